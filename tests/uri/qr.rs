//! QR codes (feature `qr`): what `to_qr_svg` draws is read back by code that shares
//! nothing with it. resvg, an SVG renderer, draws the SVG text to pixels over black
//! (so only what the SVG paints is white), and rqrr finds and decodes the code in
//! those pixels; the text it reads must be `to_uri()` to the byte.

use mfa_core::error::Error;
use mfa_core::otp::{Algorithm, HotpConfig, TotpConfig};
use mfa_core::uri::KeyUri;
use mfa_core::{Secret, SensitiveText};
use resvg::tiny_skia::{Pixmap, Transform};
use resvg::usvg::{Options, Tree};

/// The most bytes a QR code carries at medium error correction (version 40, byte
/// mode).
const MAX_QR_BYTES: usize = 2331;
/// The quiet zone, in modules, and the natural size of a module, in pixels.
const QUIET_ZONE: usize = 4;
const MODULE_PX: usize = 4;
/// rqrr's number for the low error correction level (the format bits `01`).
const ECC_LOW: u16 = 1;

/// A 64-byte secret (the URI carries 103 base32 characters of it).
fn long_secret() -> Secret {
    let bytes: Vec<u8> = (0u8..64)
        .map(|i| i.wrapping_mul(37).wrapping_add(11))
        .collect();
    Secret::from_bytes(&bytes).unwrap()
}

/// Every parameter the URI can carry away from its default.
fn every_parameter() -> KeyUri {
    let config = TotpConfig::default()
        .with_algorithm(Algorithm::Sha256)
        .with_digits(8)
        .unwrap()
        .with_period(60)
        .unwrap();
    KeyUri::totp(
        Some("ACME Cloud Services"),
        "jane.doe@example.com",
        long_secret(),
        config,
    )
    .unwrap()
}

/// `svg` drawn by resvg at `scale` times its natural size, over black: one luma
/// byte per pixel, with the image's width and height.
fn rasterise(svg: &str, scale: f32) -> (Vec<u8>, usize, usize) {
    let tree = Tree::from_str(svg, &Options::default()).expect("resvg reads the SVG");
    let width = (tree.size().width() * scale).round() as u32;
    let height = (tree.size().height() * scale).round() as u32;
    let mut pixmap = Pixmap::new(width, height).unwrap();
    resvg::render(
        &tree,
        Transform::from_scale(scale, scale),
        &mut pixmap.as_mut(),
    );
    // Premultiplied RGBA is the colour over black: a pixel the SVG leaves
    // transparent reads as black, not as the white a page might put behind it.
    let luma = pixmap
        .pixels()
        .iter()
        .map(|p| {
            let sum = u16::from(p.red()) + u16::from(p.green()) + u16::from(p.blue());
            u8::try_from(sum / 3).unwrap()
        })
        .collect();
    (luma, width as usize, height as usize)
}

/// The codes rqrr finds in the pixels, decoded, with their error correction level.
fn scan(luma: &[u8], width: usize, height: usize) -> Vec<(String, u16)> {
    let mut image =
        rqrr::PreparedImage::prepare_from_greyscale(width, height, |x, y| luma[y * width + x]);
    image
        .detect_grids()
        .iter()
        .map(|grid| {
            let (meta, text) = grid.decode().expect("the code decodes");
            (text, meta.ecc_level)
        })
        .collect()
}

/// Draws `key`, renders and scans it at `scale`: the one text it holds.
fn round_trip(key: &KeyUri, scale: f32) -> String {
    let svg = key.to_qr_svg().unwrap();
    let (luma, width, height) = rasterise(svg.expose_secret(), scale);
    let found = scan(&luma, width, height);
    assert_eq!(found.len(), 1, "one code in the image, at scale {scale}");
    let (text, ecc) = found.into_iter().next().unwrap();
    assert_ne!(ecc, ECC_LOW, "at least medium error correction");
    text
}

#[test]
fn a_uri_with_every_parameter_and_a_64_byte_secret_scans_back_to_itself() {
    let key = every_parameter();
    let uri = key.to_uri();
    assert!(
        uri.expose_secret()
            .contains("algorithm=SHA256&digits=8&period=60"),
        "{}",
        uri.expose_secret()
    );
    // The natural size (4 px a module), and a scale where module edges fall
    // between pixels and are anti-aliased.
    for scale in [1.0, 1.37] {
        let text = round_trip(&key, scale);
        assert_eq!(text, uri.expose_secret(), "at scale {scale}");
        assert_eq!(KeyUri::parse(&text).unwrap(), key);
    }
}

#[test]
fn an_hotp_uri_scans_back_to_itself() {
    let config = HotpConfig::default().with_algorithm(Algorithm::Sha512);
    let key = KeyUri::hotp(Some("Ex:am+ple/é"), "a b", long_secret(), config, 42).unwrap();
    assert_eq!(round_trip(&key, 1.0), key.to_uri().expose_secret());
}

/// The white square behind the code is part of the SVG: without it, the quiet zone
/// is whatever lies behind the image, and on a dark page nothing scans.
#[test]
fn the_svg_paints_its_own_quiet_zone_four_modules_wide() {
    let svg = every_parameter().to_qr_svg().unwrap();
    let (luma, width, height) = rasterise(svg.expose_secret(), 1.0);
    assert_eq!(width, height);
    let dark: Vec<(usize, usize)> = (0..height)
        .flat_map(|y| (0..width).map(move |x| (x, y)))
        .filter(|&(x, y)| luma[y * width + x] < 128)
        .collect();
    let margin = QUIET_ZONE * MODULE_PX;
    let min_x = dark.iter().map(|p| p.0).min().unwrap();
    let max_x = dark.iter().map(|p| p.0).max().unwrap();
    let min_y = dark.iter().map(|p| p.1).min().unwrap();
    let max_y = dark.iter().map(|p| p.1).max().unwrap();
    assert_eq!((min_x, min_y), (margin, margin));
    assert_eq!((max_x, max_y), (width - margin - 1, height - margin - 1));
    // Every pixel is black or white at the natural size: modules sit on whole pixels.
    assert!(luma.iter().all(|&l| l == 0 || l == 255));

    let start = svg.expose_secret().find("<rect").unwrap();
    let end = start + svg.expose_secret()[start..].find("/>").unwrap() + 2;
    let unpainted = format!(
        "{}{}",
        &svg.expose_secret()[..start],
        &svg.expose_secret()[end..]
    );
    let (luma, width, height) = rasterise(&unpainted, 1.0);
    assert!(scan(&luma, width, height).is_empty());
}

/// No issuer, account or secret text reaches the markup, so none can inject any;
/// and there is nothing but the square and the path.
#[test]
fn the_svg_holds_no_text_of_the_uri() {
    let key = KeyUri::totp(
        Some("<script>alert(1)</script>"),
        "\"onload=\"x",
        long_secret(),
        TotpConfig::default(),
    )
    .unwrap();
    let svg = key.to_qr_svg().unwrap();
    let text = svg.expose_secret();
    let base32 = key.secret().to_base32();
    for piece in ["script", "alert", "onload", &base32.expose_secret()[..16]] {
        assert!(!text.contains(piece), "{piece} in the SVG");
    }
    assert!(text.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 "));
    assert!(text.ends_with("\"/></svg>"));
    assert_eq!(
        text.matches('<').count(),
        4,
        "svg, rect, path, /svg: {text}"
    );
    assert_eq!(round_trip(&key, 1.0), key.to_uri().expose_secret());
}

#[test]
fn debug_of_the_svg_is_redacted() {
    let svg: SensitiveText = every_parameter().to_qr_svg().unwrap();
    let debug = format!("{svg:?}");
    assert_eq!(debug, "SensitiveText([redacted])");
}

/// An account name of `len` bytes that percent-encoding leaves as it is.
fn account_of(len: usize) -> String {
    "a".repeat(len)
}

/// A URI of exactly `bytes` bytes, built around a default secret.
fn key_of_len(bytes: usize) -> KeyUri {
    let secret = Secret::from_base32("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ").unwrap();
    let probe = KeyUri::totp(None, "a", secret.clone(), TotpConfig::default()).unwrap();
    let fixed = probe.to_uri().expose_secret().len() - 1;
    let key = KeyUri::totp(
        None,
        &account_of(bytes - fixed),
        secret,
        TotpConfig::default(),
    )
    .unwrap();
    assert_eq!(key.to_uri().expose_secret().len(), bytes);
    key
}

/// The largest QR code holds the longest URI, and scans; one byte more is refused
/// with a typed error that says both lengths, not a panic.
#[test]
fn a_uri_longer_than_a_qr_code_holds_is_a_typed_error() {
    let longest = key_of_len(MAX_QR_BYTES);
    assert_eq!(round_trip(&longest, 1.0), longest.to_uri().expose_secret());

    let error = key_of_len(MAX_QR_BYTES + 1).to_qr_svg().unwrap_err();
    assert_eq!(
        error,
        Error::UriTooLongForQr {
            len: MAX_QR_BYTES + 1,
            max: MAX_QR_BYTES
        }
    );
    assert_eq!(error.code(), "uri_too_long_for_qr");
    assert!(!error.is_user_error());

    let far_too_long = key_of_len(10_000).to_qr_svg().unwrap_err();
    assert_eq!(
        far_too_long,
        Error::UriTooLongForQr {
            len: 10_000,
            max: MAX_QR_BYTES
        }
    );
}

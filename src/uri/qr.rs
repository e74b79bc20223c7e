//! Drawing a Key URI as a QR code in SVG (feature `qr`): the picture an authenticator
//! app scans at enrolment. What is drawn, and why, is in [`KeyUri::to_qr_svg`].

use alloc::string::String;
use alloc::vec;

use qrcodegen_no_heap::{QrCode, QrCodeEcc, Version};
use zeroize::Zeroizing;

use super::KeyUri;
use crate::error::Error;
use crate::sensitive::SensitiveText;

/// The most bytes a QR code carries at medium error correction: version 40 in byte
/// mode (ISO/IEC 18004, table 7). A URI is always written in byte mode, as its
/// lower-case scheme rules out the denser modes.
const MAX_BYTES: usize = 2331;

/// The quiet zone, in modules, on each side.
const QUIET_ZONE: i32 = 4;

/// The natural size of one module, in CSS pixels.
const PIXELS_PER_MODULE: i32 = 4;

impl KeyUri {
    /// The URI ([`to_uri`](KeyUri::to_uri)) as a QR code: an SVG image for the
    /// user's authenticator app to scan at enrolment. Available with the `qr`
    /// feature.
    ///
    /// What is drawn, and why:
    ///
    /// - **Medium error correction** (about 15% of the symbol can be lost), the
    ///   default of many QR and TOTP libraries: a code on a screen is rarely damaged,
    ///   but glare, moiré and a tilted camera cost some modules, and a higher level
    ///   would make the code denser for the same URI. When a higher level fits in the
    ///   same number of modules, it is used, as that costs nothing.
    /// - **The smallest version** (number of modules) that holds the URI, so each
    ///   module is as large as possible on the screen.
    /// - **A quiet zone of four modules** on every side, the margin ISO/IEC 18004
    ///   requires: scanners find the code's three corner patterns against it.
    /// - **Black modules on a white square** drawn by the SVG itself, so the code
    ///   keeps its contrast and its quiet zone on a dark page or in a dark theme.
    /// - **One `<svg>` element** with a `viewBox` and a natural size of 4 CSS pixels
    ///   per module (`width`, `height`), so CSS can resize it;
    ///   `shape-rendering="crispEdges"` keeps module edges sharp at any scale.
    ///
    /// It holds no text of the URI (only the white square and one black `<path>`),
    /// no script and no external reference, so no issuer or account name can inject
    /// markup, and it can go straight into an HTML page. For `<img src>`, serve it as
    /// `image/svg+xml`, or as a `data:image/svg+xml;base64,…` URI.
    ///
    /// **It carries the secret as surely as the URI does**: whoever sees or
    /// photographs it can enrol an app of their own. Show it only to the user
    /// enrolling, never log it or cache it, and never hand the URI to a third-party
    /// QR service instead (which is what drawing it here avoids). The text zeroizes
    /// on drop; the encoder's working buffers are zeroized before this returns, and
    /// the SVG is written into one allocation of its final size, so no copy is freed
    /// unzeroed on the way.
    ///
    /// The time this takes depends on the secret (the encoder scores each mask
    /// pattern on the modules, and the drawing follows them): draw the code once to
    /// show it, not where an attacker can time it over and over.
    ///
    /// ```
    /// use mfa_core::{Secret, otp::TotpConfig, uri::KeyUri};
    ///
    /// let secret = Secret::from_base32("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ")?;
    /// let key = KeyUri::totp(Some("ACME Co"), "john@example.com", secret, TotpConfig::default())?;
    /// let svg = key.to_qr_svg()?;
    /// assert!(svg.expose_secret().starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    /// assert_eq!(format!("{svg:?}"), "SensitiveText([redacted])");
    /// # Ok::<(), mfa_core::error::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::UriTooLongForQr`] when the URI is longer than the largest QR code
    /// carries (2,331 bytes), which only a very long issuer or account name can
    /// cause.
    pub fn to_qr_svg(&self) -> Result<SensitiveText, Error> {
        qr_svg(&self.to_uri())
    }
}

/// Draws `uri` (the text of an `otpauth://` URI) as a QR code in SVG. See
/// [`KeyUri::to_qr_svg`].
pub(crate) fn qr_svg(uri: &SensitiveText) -> Result<SensitiveText, Error> {
    let text = uri.expose_secret();
    let len = Version::MAX.buffer_len();
    // The encoder works in these and leaves the URI's bytes and the modules in them;
    // owning them lets them be zeroized when they drop.
    let mut temp = Zeroizing::new(vec![0u8; len]);
    let mut modules = Zeroizing::new(vec![0u8; len]);
    let qr = QrCode::encode_text(
        text,
        temp.as_mut_slice(),
        modules.as_mut_slice(),
        QrCodeEcc::Medium,
        Version::MIN,
        Version::MAX,
        None,
        true,
    )
    .map_err(|_| Error::UriTooLongForQr {
        len: text.len(),
        max: MAX_BYTES,
    })?;
    Ok(SensitiveText::from_string(draw_once(&qr)))
}

/// Where a drawing goes: first only measured, then written.
trait Sink {
    fn put(&mut self, text: &str);
}

/// Measures a drawing, in bytes.
struct Length(usize);

impl Sink for Length {
    fn put(&mut self, text: &str) {
        self.0 = self.0.saturating_add(text.len());
    }
}

impl Sink for String {
    fn put(&mut self, text: &str) {
        self.push_str(text);
    }
}

/// The SVG text of `qr`, in a string allocated once.
fn draw_once(qr: &QrCode<'_>) -> String {
    let mut length = Length(0);
    draw(qr, &mut length);
    // At its final size from the start: growing would free a copy of the drawing,
    // which reveals the secret as well as the URI does, without zeroizing it.
    let mut svg = String::with_capacity(length.0);
    draw(qr, &mut svg);
    svg
}

/// Writes the SVG: a white square the size of the code and its quiet zone, and one
/// path of `1`-module-high rectangles, one per horizontal run of dark modules.
fn draw(qr: &QrCode<'_>, out: &mut impl Sink) {
    let size = qr.size();
    let side = size.saturating_add(2 * QUIET_ZONE);
    let pixels = side.saturating_mul(PIXELS_PER_MODULE);
    out.put("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 ");
    decimal(out, side);
    out.put(" ");
    decimal(out, side);
    out.put("\" width=\"");
    decimal(out, pixels);
    out.put("\" height=\"");
    decimal(out, pixels);
    out.put("\" shape-rendering=\"crispEdges\"><rect width=\"");
    decimal(out, side);
    out.put("\" height=\"");
    decimal(out, side);
    out.put("\" fill=\"#fff\"/><path fill=\"#000\" d=\"");
    for y in 0..size {
        let mut x = 0;
        while x < size {
            if !qr.get_module(x, y) {
                x += 1;
                continue;
            }
            let start = x;
            while x < size && qr.get_module(x, y) {
                x += 1;
            }
            let run = x - start;
            out.put("M");
            decimal(out, start + QUIET_ZONE);
            out.put(",");
            decimal(out, y + QUIET_ZONE);
            out.put("h");
            decimal(out, run);
            out.put("v1h-");
            decimal(out, run);
            out.put("z");
        }
    }
    out.put("\"/></svg>");
}

/// Writes `n` in decimal. Every number drawn is a count or coordinate of modules or
/// pixels, never negative.
fn decimal(out: &mut impl Sink, n: i32) {
    digits(out, n.unsigned_abs());
}

fn digits(out: &mut impl Sink, n: u32) {
    if n >= 10 {
        digits(out, n / 10);
    }
    let digit = char::from_digit(n % 10, 10).unwrap_or('0');
    out.put(digit.encode_utf8(&mut [0; 4]));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The measuring pass and the writing pass agree to the byte: had the string
    /// grown, its capacity would exceed its length.
    #[test]
    fn the_svg_is_written_into_one_allocation_of_its_final_size() {
        let uri = SensitiveText::from_string(String::from(
            "otpauth://totp/ACME%20Co:jane@example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=ACME%20Co",
        ));
        let svg = qr_svg(&uri).unwrap();
        let len = Version::MAX.buffer_len();
        let mut temp = vec![0u8; len];
        let mut modules = vec![0u8; len];
        let qr = QrCode::encode_text(
            uri.expose_secret(),
            &mut temp,
            &mut modules,
            QrCodeEcc::Medium,
            Version::MIN,
            Version::MAX,
            None,
            true,
        )
        .unwrap();
        let drawn = draw_once(&qr);
        assert_eq!(drawn.capacity(), drawn.len());
        assert_eq!(drawn, svg.expose_secret());
    }

    #[test]
    fn numbers_are_written_in_decimal() {
        for (n, text) in [(0, "0"), (7, "7"), (10, "10"), (185, "185"), (740, "740")] {
            let mut out = String::new();
            decimal(&mut out, n);
            assert_eq!(out, text);
        }
    }
}

//! A kept page's gzip answer, compressed once. Each piece between the holes is deflated on its
//! own (a fresh compressor, so nothing in it refers back to the bytes before it) and flushed to
//! a byte boundary; an answer puts its values in between as stored (uncompressed) blocks and
//! ends with the gzip trailer, whose CRC is combined from the pieces' and the values' CRCs.
//! The result is one ordinary gzip member: compressing every answer of a 60 KB page anew cost
//! as much as the rest of the answer.

use super::{Fills, Hole, Template};
use flate2::write::DeflateEncoder;
use flate2::{Compression, Crc};
use std::io::Write;

/// A gzip header: deflate, no name, no time, unknown system.
const HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
/// The last block: stored, empty, final.
const LAST_BLOCK: [u8; 5] = [1, 0, 0, 0xff, 0xff];

/// One piece of the page: its deflated bytes and the CRC of the bytes they stand for.
#[derive(Debug)]
struct Piece {
    deflated: Vec<u8>,
    crc: Crc,
}

/// The gzip answer of a [`Template`], waiting for its holes' values.
#[derive(Debug)]
pub(super) struct GzipTemplate {
    /// One more than `holes`.
    pieces: Vec<Piece>,
    holes: Vec<Hole>,
}

impl GzipTemplate {
    /// Compresses `template`'s pieces (once per kept page).
    pub(super) fn of(template: &Template) -> std::io::Result<Self> {
        let pieces = template
            .pieces
            .iter()
            .map(|raw| {
                let mut encoder = DeflateEncoder::new(Vec::new(), Compression::default());
                encoder.write_all(raw)?;
                // A sync flush ends on a byte boundary without a final block.
                encoder.flush()?;
                let deflated = std::mem::take(encoder.get_mut());
                let mut crc = Crc::new();
                crc.update(raw);
                Ok(Piece { deflated, crc })
            })
            .collect::<std::io::Result<_>>()?;
        Ok(Self {
            pieces,
            holes: template.holes.clone(),
        })
    }

    /// Bytes of the compressed pieces.
    pub(super) fn len(&self) -> usize {
        self.pieces.iter().map(|p| p.deflated.len()).sum()
    }

    /// The gzip member of the page with `fills`' values in its holes.
    pub(super) fn with(&self, fills: &Fills) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.len() + 64 * self.holes.len() + 32);
        out.extend_from_slice(&HEADER);
        let mut crc = Crc::new();
        let holes = self.holes.iter().map(Some).chain([None]);
        for (piece, hole) in self.pieces.iter().zip(holes) {
            out.extend_from_slice(&piece.deflated);
            crc.combine(&piece.crc);
            if let Some(&hole) = hole {
                let value = fills.get(hole).as_bytes();
                stored_blocks(value, &mut out);
                let mut value_crc = Crc::new();
                value_crc.update(value);
                crc.combine(&value_crc);
            }
        }
        out.extend_from_slice(&LAST_BLOCK);
        out.extend_from_slice(&crc.sum().to_le_bytes());
        out.extend_from_slice(&crc.amount().to_le_bytes());
        out
    }
}

/// `bytes` as stored blocks (not final), starting and ending on a byte boundary.
fn stored_blocks(bytes: &[u8], out: &mut Vec<u8>) {
    for chunk in bytes.chunks(usize::from(u16::MAX)) {
        let len = u16::try_from(chunk.len()).unwrap_or(u16::MAX);
        out.push(0);
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(chunk);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn gunzip(bytes: &[u8]) -> String {
        let mut text = String::new();
        flate2::read::GzDecoder::new(bytes)
            .read_to_string(&mut text)
            .expect("a valid gzip member");
        text
    }

    fn fills(nonce: &str, client_id: &str) -> Fills {
        Fills {
            nonce: nonce.into(),
            client_id: client_id.into(),
        }
    }

    #[test]
    fn the_gzip_answer_is_the_page_with_its_new_values() {
        let page = format!(
            "<script nonce=\"N0\">x</script>{}<input value=\"ID0\">N0{}",
            "<li>a message that repeats</li>".repeat(500),
            "tail ".repeat(100)
        );
        let template = Template::cut(&page, &fills("N0", "ID0"));
        let gzip = GzipTemplate::of(&template).expect("compressed");
        assert!(gzip.len() < page.len() / 10, "{} bytes", gzip.len());
        for (nonce, id) in [("first+nonce/==", "0123abcd"), ("x", "")] {
            let expected = page.replace("N0", nonce).replace("ID0", id);
            assert_eq!(gunzip(&gzip.with(&fills(nonce, id))), expected);
        }
        // A value longer than one stored block.
        let long = "v".repeat(70_000);
        let expected = page.replace("N0", &long).replace("ID0", "i");
        assert_eq!(gunzip(&gzip.with(&fills(&long, "i"))), expected);
    }

    #[test]
    fn a_page_without_holes_and_an_empty_page_compress_too() {
        for page in ["", "plain text, no values"] {
            let template = Template::cut(page, &fills("N0", "ID0"));
            let gzip = GzipTemplate::of(&template).expect("compressed");
            assert_eq!(gunzip(&gzip.with(&fills("n", "i"))), page);
        }
    }
}

//! Whether a PNG or JPEG file is complete: the image decoder fills the missing rows of a
//! truncated file with grey without a word, and calibrating on half an image skews the ranges.
//!
//! A PNG is complete when its chunks, walked by their lengths, reach `IEND`; a JPEG when its
//! segments and entropy-coded scans, walked by their markers, reach `EOI`. Bytes after the end
//! marker are allowed (some cameras append data). Files of other formats, or that do not start
//! with a PNG or JPEG signature, pass: the decoder judges them.

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

/// Fails when `bytes` is a PNG or JPEG that ends before its end marker.
pub fn check_complete(bytes: &[u8]) -> Result<(), String> {
    if bytes.starts_with(PNG_SIGNATURE) {
        return png_complete(bytes);
    }
    if bytes.starts_with(&[0xFF, 0xD8]) {
        return jpeg_complete(bytes);
    }
    Ok(())
}

fn truncated(format: &str, at: usize, what: &str) -> String {
    format!(
        "the {format} image is truncated: it ends at byte {at} {what}; calibration refuses incomplete images"
    )
}

fn png_complete(bytes: &[u8]) -> Result<(), String> {
    let mut i = PNG_SIGNATURE.len();
    loop {
        if i + 8 > bytes.len() {
            return Err(truncated("PNG", bytes.len(), "before its IEND chunk"));
        }
        let len = u32::from_be_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]) as usize;
        let kind = &bytes[i + 4..i + 8];
        // length, type, data, CRC
        let end = i
            .checked_add(12)
            .and_then(|e| e.checked_add(len))
            .filter(|&e| e <= bytes.len());
        let Some(end) = end else {
            return Err(truncated(
                "PNG",
                bytes.len(),
                &format!(
                    "inside its '{}' chunk",
                    String::from_utf8_lossy(kind).escape_default()
                ),
            ));
        };
        if kind == b"IEND" {
            return Ok(());
        }
        i = end;
    }
}

fn jpeg_complete(bytes: &[u8]) -> Result<(), String> {
    let n = bytes.len();
    let mut i = 2;
    loop {
        // A marker: 0xFF (fill bytes allowed), then its code.
        if i >= n {
            return Err(truncated("JPEG", n, "before its end-of-image marker"));
        }
        if bytes[i] != 0xFF {
            return Err(format!(
                "the JPEG image is corrupt: expected a marker at byte {i}"
            ));
        }
        while i < n && bytes[i] == 0xFF {
            i += 1;
        }
        if i >= n {
            return Err(truncated("JPEG", n, "before its end-of-image marker"));
        }
        let code = bytes[i];
        i += 1;
        match code {
            0xD9 => return Ok(()),
            // Markers without a length: restart markers, TEM.
            0xD0..=0xD7 | 0x01 => continue,
            _ => {}
        }
        if i + 2 > n {
            return Err(truncated("JPEG", n, "inside a segment header"));
        }
        let len = u16::from_be_bytes([bytes[i], bytes[i + 1]]) as usize;
        if len < 2 {
            return Err(format!(
                "the JPEG image is corrupt: a segment at byte {i} has length {len}"
            ));
        }
        if i + len > n {
            return Err(truncated("JPEG", n, "inside a segment"));
        }
        i += len;
        if code == 0xDA {
            // Entropy-coded data up to the next marker that is not a stuffed 0xFF00 or a
            // restart marker.
            loop {
                if i + 1 >= n {
                    return Err(truncated(
                        "JPEG",
                        n,
                        "inside its image data, before its end-of-image marker",
                    ));
                }
                if bytes[i] == 0xFF {
                    let next = bytes[i + 1];
                    if next == 0x00 || (0xD0..=0xD7).contains(&next) || next == 0xFF {
                        i += if next == 0xFF { 1 } else { 2 };
                        continue;
                    }
                    break;
                }
                i += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn images() -> Vec<std::path::PathBuf> {
        let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/shared/data/images");
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        files
    }

    #[test]
    fn whole_images_pass_and_truncated_ones_fail() {
        let mut checked = 0;
        let mut files: Vec<(String, Vec<u8>)> = Vec::new();
        for (i, f) in images().into_iter().enumerate() {
            let bytes = std::fs::read(&f).unwrap();
            if i < 3 {
                // The same photo as a JPEG.
                let img = image::load_from_memory(&bytes).unwrap().to_rgb8();
                let mut jpeg = Vec::new();
                image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 85)
                    .encode_image(&img)
                    .unwrap();
                files.push((format!("{}.jpg", f.display()), jpeg));
            }
            files.push((f.display().to_string(), bytes));
        }
        for (f, bytes) in files {
            if check_complete(&bytes).is_err() {
                panic!("{f} is whole but was refused");
            }
            for cut in [bytes.len() / 2, bytes.len() - 1, 100] {
                let e = check_complete(&bytes[..cut]).unwrap_err();
                assert!(e.contains("truncated"), "{f}: {e}");
            }
            checked += 1;
        }
        assert!(checked >= 15);
    }

    #[test]
    fn trailing_bytes_after_the_end_marker_are_allowed() {
        let mut png = PNG_SIGNATURE.to_vec();
        png.extend([0, 0, 0, 0]);
        png.extend(b"IEND");
        png.extend([0xAE, 0x42, 0x60, 0x82]);
        assert!(check_complete(&png).is_ok());
        png.extend(b"trailing");
        assert!(check_complete(&png).is_ok());
        let jpeg = [
            0xFF, 0xD8, 0xFF, 0xDA, 0, 2, 1, 2, 0xFF, 0, 3, 0xFF, 0xD9, 7,
        ];
        assert!(check_complete(&jpeg).is_ok());
        assert!(check_complete(&jpeg[..12]).is_err());
        assert!(check_complete(b"GIF89a").is_ok());
    }
}

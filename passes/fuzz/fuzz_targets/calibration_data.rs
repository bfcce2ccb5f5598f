//! Any bytes, read as a calibration data file (`.npy`, `.npz`, `.png` or `.jpg`, chosen by the
//! first byte) for a model with a float image input and an int32 token input, must give
//! samples or an error, never panic, hang or exhaust memory.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tqopt_interp::DType;
use tqopt_passes::calibration::dataset::{Dataset, InputSpec, PixelScaling};

fuzz_target!(|data: &[u8]| {
    let Some((&kind, body)) = data.split_first() else {
        return;
    };
    let ext = ["npy", "npz", "png", "jpg"][kind as usize % 4];
    let dir = std::env::temp_dir().join(format!("tqopt-fuzz-calib-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let (path, inputs) = if ext == "png" || ext == "jpg" {
        // An image folder feeds one float NHWC input.
        let images = dir.join("images");
        let _ = std::fs::remove_dir_all(&images);
        let _ = std::fs::create_dir_all(&images);
        let _ = std::fs::write(images.join(format!("a.{ext}")), body);
        (images, vec![spec("image", 0, &[1, 8, 8, 3], DType::F32)])
    } else {
        let file = dir.join(format!("data.{ext}"));
        let _ = std::fs::write(&file, body);
        let inputs = if ext == "npy" {
            vec![spec("image", 0, &[1, 8, 8, 3], DType::F32)]
        } else {
            vec![
                spec("image", 0, &[1, 8, 8, 3], DType::F32),
                spec("ids", 1, &[1, -1], DType::I32),
            ]
        };
        (file, inputs)
    };
    if let Ok(mut set) = Dataset::open(&path, &inputs, PixelScaling::default()) {
        let mut n = 0;
        while let Some(sample) = set.next() {
            if sample.is_err() || n > 64 {
                break;
            }
            n += 1;
        }
    }
});

fn spec(name: &str, position: usize, shape: &[i64], dtype: DType) -> InputSpec {
    InputSpec {
        name: name.to_string(),
        aliases: Vec::new(),
        position,
        shape: shape.to_vec(),
        dtype,
    }
}

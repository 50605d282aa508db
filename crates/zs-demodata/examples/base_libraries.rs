//! Write the base-library CSV files into a folder:
//! `cargo run -p zs-demodata --example base_libraries -- OUT_DIR [PEOPLE] [ENTERPRISES]`
//! (defaults: 200,000 people, 20,000 enterprises). Prints rows per file, time and peak RSS.
#![allow(clippy::print_stdout)]

use std::error::Error;
use std::fs::File;
use std::io::BufWriter;
use std::time::Instant;

use zs_demodata::csv::{write_all, DemoSizes};

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let dir = std::path::PathBuf::from(args.next().ok_or("usage: base_libraries OUT_DIR [PEOPLE] [ENTERPRISES]")?);
    let mut sizes = DemoSizes::default();
    if let Some(n) = args.next() {
        sizes.people = n.parse()?;
    }
    if let Some(n) = args.next() {
        sizes.enterprises = n.parse()?;
    }
    std::fs::create_dir_all(&dir)?;
    let t = Instant::now();
    let written = write_all(sizes, |f| Ok(BufWriter::new(File::create(dir.join(f.file_name))?)))?;
    for (file, rows) in &written {
        println!("{:<28} {:>8} rows  ({})", file.file_name, rows, file.entry);
    }
    let rss = std::fs::read_to_string("/proc/self/status").ok().and_then(|s| {
        s.lines().find(|l| l.starts_with("VmHWM")).map(|l| l.split_whitespace().nth(1).unwrap_or("?").to_owned())
    });
    println!("{:.1} s, peak RSS {} kB", t.elapsed().as_secs_f64(), rss.unwrap_or_else(|| "?".into()));
    Ok(())
}

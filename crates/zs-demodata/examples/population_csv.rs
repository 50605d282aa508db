//! Write only the population library as CSV (UTF-8, headed by the entry's labels):
//! `cargo run -p zs-demodata --example population_csv -- OUT.csv [PEOPLE] [SEED]`
//! (defaults: 1,000,000 people, the demo city's seed, so the rows are the ones `zhengshu demo
//! --people N` hands in). Used by the Datasette benchmark (bench/datasette).
#![allow(clippy::print_stdout)]

use std::error::Error;
use std::fs::File;
use std::io::BufWriter;
use std::time::Instant;

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let out = args.next().ok_or("usage: population_csv OUT.csv [PEOPLE] [SEED]")?;
    let n: usize = args.next().map(|s| s.parse()).transpose()?.unwrap_or(1_000_000);
    let seed: u64 = args.next().map(|s| s.parse()).transpose()?.unwrap_or(zs_demodata::csv::DemoSizes::default().seed);
    let t = Instant::now();
    let rows = zs_demodata::csv::write_population_csv(
        BufWriter::with_capacity(1 << 20, File::create(&out)?),
        zs_demodata::population(seed, n),
    )?;
    println!("{out}: {rows} people in {:.1} s", t.elapsed().as_secs_f64());
    Ok(())
}

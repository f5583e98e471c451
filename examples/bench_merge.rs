//! Benchmark of the values merge: times `merge` (parse, scan, edit and guard) on
//! generated values files of 1k, 10k and 100k lines: with the `customImage` block in
//! the middle of the file, merging into the result again (nothing to change), and with
//! no block (append); also `unified_diff`, and one serde_yaml parse of the same file
//! for scale. Run it with `scripts/bench-merge` (release build). The goal is linear
//! growth and under 50 ms at 100k lines.

use std::time::{Duration, Instant};

use phib::values::merge::{merge, unified_diff};

const BLOCK: &str = "customImage:\n  enabled: true\n  registryEndpoint: \"https://harbor.example.com\"\n  registryUsername: \"robot$ml+builder\"\n  registryPassword: \"new-token\"\n  pushRepo: \"harbor.example.com/ml/images\"\n";

/// One 20-line section of a values file: nested mappings, a list, comments, a block
/// scalar with embedded Python.
fn section(i: usize) -> String {
    format!(
        "# Section {i}: settings for component {i}.\n\
         component{i}:\n\
         \x20 enabled: true\n\
         \x20 image:\n\
         \x20   repository: \"registry.example.com/team/component-{i}\"\n\
         \x20   tag: v1.{i}.0   # pinned\n\
         \x20 resources:\n\
         \x20   limits: {{cpu: 500m, memory: 512Mi}}\n\
         \x20   requests:\n\
         \x20     cpu: 100m\n\
         \x20     memory: 128Mi\n\
         \x20 hosts:\n\
         \x20   - c{i}.example.com\n\
         \x20   - 'c{i}.internal'\n\
         \x20 hook: |\n\
         \x20   def hook(spawner):\n\
         \x20       # configure component {i}\n\
         \x20       spawner.environment['C'] = '{i}'\n\
         \x20 note: >-\n\
         \x20   folded text for {i}\n\n"
    )
}

fn values_file(lines: usize, with_block: bool) -> String {
    let sections = lines / 20;
    let mut text = String::new();
    for i in 0..sections {
        if with_block && i == sections / 2 {
            text.push_str("customImage:\n  enabled: true\n  registryEndpoint: https://harbor.example.com  # ours\n  registryUsername: 'robot$ml+builder'\n  registryPassword: |\n    old-token\n  pushRepoPrefix: harbor.example.com/ml\n  buildJob:\n    resources:\n      limits: {cpu: 2000m, memory: 1500Mi}\n");
        }
        text.push_str(&section(i));
    }
    text.push_str("# end of file\n");
    text
}

/// The best of 15 runs: on a shared machine the minimum is the figure least disturbed
/// by other processes.
fn time<F: FnMut()>(mut f: F) -> Duration {
    f();
    (0..15)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .min()
        .unwrap()
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

fn main() {
    // `bench_merge write LINES PATH`: the values file of LINES lines (the block in the
    // middle), for scripts/bench-render. `bench_merge parse PATH`: one parse of it, the
    // best of 15, in milliseconds.
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["write", lines, path] => {
            let lines: usize = lines.parse().expect("LINES");
            std::fs::write(path, values_file(lines, true)).expect("write");
            return;
        }
        ["parse", path] => {
            let text = std::fs::read_to_string(path).expect("read");
            let parse = time(|| {
                std::hint::black_box(serde_yaml::from_str::<serde_yaml::Value>(&text).unwrap());
            });
            println!("{:.2}", parse.as_secs_f64() * 1e3);
            return;
        }
        _ => {}
    }
    println!(
        "{:>8} {:>9} {:>12} {:>12} {:>12} {:>12} {:>12}",
        "lines", "bytes", "change", "no-op", "append", "diff", "1 yaml parse"
    );
    for lines in [1_000, 10_000, 100_000] {
        let edit = values_file(lines, true);
        let append = values_file(lines, false);
        let merged = merge(&edit, BLOCK).expect("merge");
        assert_ne!(merged, edit);
        assert_eq!(merge(&merged, BLOCK).expect("merge"), merged);
        let change = time(|| {
            std::hint::black_box(merge(&edit, BLOCK).unwrap());
        });
        let noop = time(|| {
            std::hint::black_box(merge(&merged, BLOCK).unwrap());
        });
        let appended = time(|| {
            std::hint::black_box(merge(&append, BLOCK).unwrap());
        });
        let diff = time(|| {
            std::hint::black_box(unified_diff(&edit, &merged, "values.yaml"));
        });
        let parse = time(|| {
            std::hint::black_box(serde_yaml::from_str::<serde_yaml::Value>(&edit).unwrap());
        });
        println!(
            "{:>8} {:>9} {:>12} {:>12} {:>12} {:>12} {:>12}",
            edit.lines().count(),
            edit.len(),
            ms(change),
            ms(noop),
            ms(appended),
            ms(diff),
            ms(parse)
        );
    }
}

//! Object storage: a catalog in an S3 bucket on a local S3-compatible
//! server (moto, from PyPI, on loopback), written by `axon data catalog
//! add`, listed, and backtested over one week of several symbols with range
//! reads: only that week's partitions are fetched (bytes counted), and the
//! run equals the same backtest over a local copy of the catalog.

mod support;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use support::{python, run_python, tempdir};

struct Moto(Child);

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// moto's server on a free loopback port, with bucket `market` made.
fn moto() -> (Moto, u16) {
    let port = support::live::free_port();
    let bin = python().with_file_name("moto_server");
    assert!(
        bin.exists(),
        "{} is missing: run scripts/setup-python.sh",
        bin.display()
    );
    let child = Command::new(bin)
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("moto_server starts");
    let moto = Moto(child);
    let until = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < until,
            "moto_server did not listen on {port}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    run_python(&[
        "-c",
        &format!(
            "import boto3; boto3.client('s3', endpoint_url='http://127.0.0.1:{port}', \
             aws_access_key_id='testing', aws_secret_access_key='testing', \
             region_name='us-east-1').create_bucket(Bucket='market')"
        ),
    ]);
    (moto, port)
}

fn env(port: u16) -> Vec<(&'static str, String)> {
    vec![
        ("AWS_ENDPOINT_URL", format!("http://127.0.0.1:{port}")),
        ("AWS_ACCESS_KEY_ID", "testing".into()),
        ("AWS_SECRET_ACCESS_KEY", "testing".into()),
        ("AWS_REGION", "us-east-1".into()),
        ("AWS_ALLOW_HTTP", "true".into()),
    ]
}

fn axon(dir: &Path, port: u16, args: &[&str]) -> std::process::Output {
    let out = Command::new(env!("CARGO_BIN_EXE_axon"))
        .current_dir(dir)
        .args(args)
        .envs(env(port))
        .output()
        .expect("axon runs");
    assert!(
        out.status.success(),
        "axon {args:?}: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Ticks of two symbols, one every minute for 14 days, written by pyarrow.
fn ticks(dir: &Path) {
    run_python(&[
        "-c",
        "import sys, numpy as np, pyarrow as pa, pyarrow.parquet as pq\n\
         n = 14 * 1440\n\
         ts = 1_704_067_200_000_000_000 + np.arange(n) * 60_000_000_000\n\
         rows = []\n\
         for s, base in (('BTCUSDT', 42000.0), ('ETHUSDT', 2300.0)):\n\
         \x20   px = base * (1 + 0.02 * np.sin(np.arange(n) / 180.0))\n\
         \x20   rows.append(pa.table({'ts': pa.array(ts, pa.timestamp('ns', 'UTC')), 'symbol': [s] * n,\n\
         \x20       'bid': px, 'ask': px * 1.0001, 'bid_size': np.ones(n), 'ask_size': np.ones(n),\n\
         \x20       'last': px, 'volume': np.ones(n)}))\n\
         t = pa.concat_tables(rows).sort_by([('ts', 'ascending')])\n\
         pq.write_table(t, sys.argv[1])",
        dir.join("ticks.parquet").to_str().unwrap(),
    ]);
}

#[test]
fn a_catalog_in_a_bucket_backtests_one_week_by_range_reads_as_a_local_one_does() {
    let (_moto, port) = moto();
    let dir = tempdir();
    ticks(dir.path());
    for catalog in ["s3://market/cat", "local"] {
        axon(
            dir.path(),
            port,
            &[
                "data",
                "catalog",
                "add",
                "ticks.parquet",
                "--catalog",
                catalog,
                "--venue",
                "binance",
                "--kind",
                "quotes",
                "--quiet",
            ],
        );
    }
    let ls = axon(
        dir.path(),
        port,
        &[
            "data",
            "catalog",
            "ls",
            "--catalog",
            "s3://market/cat",
            "--json",
        ],
    );
    let ls = String::from_utf8_lossy(&ls.stdout).to_string();
    assert_eq!(ls.lines().count(), 2, "{ls}");
    assert!(
        ls.contains("\"days\":14") && ls.contains("\"rows\":20160"),
        "{ls}"
    );

    let run = |name: &str, catalog: &str, start: &str| -> serde_json::Value {
        let text = format!(
            "[session]\ncash = 1000000.0\n\
             [data]\ncatalog = \"{catalog}\"\nsymbols = [\"ETHUSDT\", \"BTCUSDT\"]\nkind = \"quotes\"\n\
             start = \"{start}\"\nend = \"2024-01-15\"\n\
             [strategy]\nkind = \"sma_cross\"\nfast = 10\nslow = 30\n\
             [execution]\nfill = \"next_tick\"\nsizing = \"fixed\"\nunits = 1.0\n\
             [journal]\npath = \"{name}\"\n"
        );
        std::fs::write(dir.path().join(format!("{name}.toml")), text).unwrap();
        axon(
            dir.path(),
            port,
            &[
                "backtest",
                "-c",
                &format!("{name}.toml"),
                "--summary-json",
                &format!("{name}.json"),
                "--quiet",
            ],
        );
        serde_json::from_str(
            &std::fs::read_to_string(dir.path().join(format!("{name}.json"))).unwrap(),
        )
        .unwrap()
    };
    let week = run("s3week", "s3://market/cat", "2024-01-08");
    let all = run("s3all", "s3://market/cat", "2024-01-01");
    let local = run("localweek", "local", "2024-01-08");
    assert_eq!(week["rows"], 2 * 7 * 1440, "{week}");
    let (wb, ab) = (
        week["data_bytes_read"].as_u64().unwrap(),
        all["data_bytes_read"].as_u64().unwrap(),
    );
    assert!(
        wb > 0 && wb * 3 < ab * 2,
        "a week fetched {wb} bytes, two weeks {ab}"
    );
    eprintln!("fetched: one week {wb} bytes, two weeks {ab} bytes");
    // The same rows, so the same decisions and statistics; the head hashes
    // differ only because the data record names the files differently.
    for key in ["rows", "trades", "return_pct", "equity_final", "sharpe"] {
        assert_eq!(week[key], local[key], "{key}: {week} vs {local}");
    }
    // A plain data.path may name an object (or a folder of them) too.
    std::fs::write(
        dir.path().join("one.toml"),
        "[session]\ncash = 1000000.0\n\
         [data]\npath = \"s3://market/cat/venue=binance/symbol=BTCUSDT/kind=quotes/date=2024-01-03\"\nsymbol = \"BTCUSDT\"\n\
         [strategy]\nkind = \"sma_cross\"\nfast = 10\nslow = 30\n\
         [execution]\nfill = \"next_tick\"\nsizing = \"fixed\"\nunits = 1.0\n[journal]\npath = \"one\"\n",
    )
    .unwrap();
    axon(
        dir.path(),
        port,
        &[
            "backtest",
            "-c",
            "one.toml",
            "--summary-json",
            "one.json",
            "--quiet",
        ],
    );
    let one: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("one.json")).unwrap())
            .unwrap();
    assert_eq!(one["rows"], 1440, "{one}");
    // The journal replays from itself, with no access to the bucket.
    let out = Command::new(env!("CARGO_BIN_EXE_axon"))
        .current_dir(dir.path())
        .args(["replay", "--journal", "s3week", "--verify", "--quiet"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

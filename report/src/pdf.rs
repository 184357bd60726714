//! The PDF: the HTML page printed by headless Chromium, so the PDF shows
//! the same charts the page draws (the charting library renders to a
//! canvas, which prints as an image).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::error::ReportError;

/// How long the browser may take to print.
const TIMEOUT: Duration = Duration::from_secs(180);

/// `AXON_CHROMIUM`, else the first Chromium or Chrome on `PATH`.
pub fn find_chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("AXON_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let names = [
        "chromium",
        "chromium-browser",
        "google-chrome",
        "google-chrome-stable",
    ];
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| names.iter().map(move |n| dir.join(n)))
        .find(|p| p.is_file())
}

/// Prints the page `html` to `pdf` with headless Chromium.
pub fn print_pdf(html: &Path, pdf: &Path) -> Result<(), ReportError> {
    let chromium = find_chromium().ok_or(ReportError::NoChromium)?;
    let fail = |reason: String| ReportError::Pdf {
        path: pdf.to_path_buf(),
        chromium: chromium.display().to_string(),
        reason,
    };
    let html = std::path::absolute(html).map_err(|e| fail(e.to_string()))?;
    let out = std::path::absolute(pdf).map_err(|e| fail(e.to_string()))?;
    let profile = tempfile::tempdir().map_err(|e| fail(e.to_string()))?;
    let mut child = Command::new(&chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--no-pdf-header-footer",
            // Lets the page's scripts draw the charts before printing.
            "--virtual-time-budget=10000",
            // The printable width of A4 landscape (277 mm at 96 dpi), the
            // page's @page size: the charts draw at the width they print at.
            "--window-size=1047,1400",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--print-to-pdf={}", out.display()))
        .arg(format!("file://{}", html.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| fail(e.to_string()))?;
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| fail(e.to_string()))? {
            break status;
        }
        if started.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            return Err(fail(format!("no PDF after {} s", TIMEOUT.as_secs())));
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let printed = std::fs::metadata(&out).map(|m| m.len()).unwrap_or(0);
    if !status.success() || printed == 0 {
        let mut stderr = String::new();
        if let Some(mut e) = child.stderr.take() {
            use std::io::Read;
            let _ = e.read_to_string(&mut stderr);
        }
        let tail: String = stderr.lines().rev().take(3).collect::<Vec<_>>().join(" | ");
        return Err(fail(format!("{status}; {tail}")));
    }
    Ok(())
}

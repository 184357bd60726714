//! Small inline SVG charts for the HTML report: horizontal bars (SHAP
//! values, importance) and a price line with the decision marked. Drawn
//! directly: plain shapes and text, no font machinery needed.

use std::fmt::Write;

use crate::format::format_price;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Horizontal bars from a zero line: positive right (red), negative left
/// (blue), labelled with names and values.
pub fn bars(title: &str, items: &[(String, f64)]) -> String {
    let row = 18.0;
    let (w, label_w, top) = (720.0, 170.0, 28.0);
    let h = top + row * items.len() as f64 + 24.0;
    let max = items
        .iter()
        .map(|(_, v)| v.abs())
        .fold(0.0, f64::max)
        .max(1e-12);
    let plot_w = w - label_w - 90.0;
    let zero = label_w + plot_w / 2.0;
    let scale = plot_w / 2.0 / max;
    let mut s = String::new();
    let _ = write!(
        s,
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" aria-label="{t}"><text x="8" y="18" class="t">{t}</text><line x1="{zero}" y1="{top}" x2="{zero}" y2="{y2}" stroke="#555"/>"##,
        t = esc(title),
        y2 = h - 20.0
    );
    for (i, (name, v)) in items.iter().enumerate() {
        let y = top + row * i as f64;
        let len = v.abs() * scale;
        let x = if *v >= 0.0 { zero } else { zero - len };
        let color = if *v >= 0.0 { "#d0453a" } else { "#2f6fb5" };
        let _ = write!(
            s,
            r##"<text x="{lx}" y="{ty}" text-anchor="end" class="l">{n}</text><rect x="{x:.2}" y="{ry}" width="{len:.2}" height="{rh}" fill="{color}"/><text x="{vx:.2}" y="{ty}" class="v">{v:+.5}</text>"##,
            lx = label_w - 6.0,
            ty = y + 13.0,
            n = esc(name),
            ry = y + 3.0,
            rh = row - 6.0,
            vx = if *v >= 0.0 {
                zero + len + 4.0
            } else {
                zero + 4.0
            },
        );
    }
    s.push_str("</svg>");
    s
}

/// A price line; the decision's time marked with a vertical line and dot.
pub fn prices(
    title: &str,
    points: &[(i64, f64)],
    mark: Option<i64>,
    decimals: Option<u32>,
) -> String {
    let (w, h, pad) = (720.0, 260.0, 40.0);
    let mut s = String::new();
    if points.len() < 2 {
        return s;
    }
    let (t0, t1) = (points[0].0 as f64, points[points.len() - 1].0 as f64);
    let (lo, hi) = points
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| {
            (lo.min(p.1), hi.max(p.1))
        });
    let span_t = (t1 - t0).max(1.0);
    let span_p = (hi - lo).max(1e-12);
    let x = |t: f64| pad + (t - t0) / span_t * (w - 2.0 * pad);
    let y = |p: f64| h - pad - (p - lo) / span_p * (h - 2.0 * pad);
    let path: Vec<String> = points
        .iter()
        .map(|(t, p)| format!("{:.2},{:.2}", x(*t as f64), y(*p)))
        .collect();
    let _ = write!(
        s,
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" aria-label="{t}"><text x="8" y="18" class="t">{t}</text><rect x="{pad}" y="{pad}" width="{pw}" height="{ph}" fill="none" stroke="#ccc"/><polyline fill="none" stroke="#333" stroke-width="1.2" points="{pts}"/><text x="{pad}" y="{ly}" class="l">{hi}</text><text x="{pad}" y="{by}" class="l">{lo}</text>"##,
        t = esc(title),
        pw = w - 2.0 * pad,
        ph = h - 2.0 * pad,
        pts = path.join(" "),
        ly = pad - 4.0,
        by = h - pad + 14.0,
        hi = format_price(hi, decimals),
        lo = format_price(lo, decimals),
    );
    if let Some(m) = mark {
        let mx = x(m as f64);
        let price = points
            .iter()
            .min_by_key(|(t, _)| (t - m).unsigned_abs())
            .map_or(lo, |p| p.1);
        let _ = write!(
            s,
            r##"<line x1="{mx:.2}" y1="{pad}" x2="{mx:.2}" y2="{y2}" stroke="#d0453a" stroke-dasharray="4 3"/><circle cx="{mx:.2}" cy="{cy:.2}" r="5" fill="#d0453a"/><text x="{tx:.2}" y="{ty}" class="v">decision</text>"##,
            y2 = h - pad,
            cy = y(price),
            tx = mx + 6.0,
            ty = pad + 12.0,
        );
    }
    s.push_str("</svg>");
    s
}

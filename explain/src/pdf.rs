//! The PDF report, written with printpdf: selectable text in the standard
//! Helvetica fonts and the SHAP values as bars, paginated on A4.

use printpdf::{
    BuiltinFont, Color, Mm, Op, PaintMode, PdfDocument, PdfFontHandle, PdfPage, PdfSaveOptions,
    Point, Pt, Rect, Rgb, TextItem,
};

use crate::report::{Report, action_name};

const W: f32 = 210.0;
const H: f32 = 297.0;
const MARGIN: f32 = 18.0;

/// A cursor that lays lines and bars down pages.
struct Writer {
    pages: Vec<Vec<Op>>,
    y: f32,
}

fn rgb(r: f32, g: f32, b: f32) -> Color {
    Color::Rgb(Rgb {
        r,
        g,
        b,
        icc_profile: None,
    })
}

impl Writer {
    fn new() -> Self {
        Self {
            pages: vec![Vec::new()],
            y: H - MARGIN,
        }
    }

    fn need(&mut self, mm: f32) {
        if self.y - mm < MARGIN {
            self.pages.push(Vec::new());
            self.y = H - MARGIN;
        }
    }

    fn ops(&mut self) -> &mut Vec<Op> {
        self.pages.last_mut().expect("a page")
    }

    fn text_at(&mut self, x: f32, size: f32, bold: bool, text: &str) {
        let font = if bold {
            BuiltinFont::HelveticaBold
        } else {
            BuiltinFont::Helvetica
        };
        let y = self.y;
        // The standard fonts cover Latin-1; keep other characters readable.
        let text: String = text
            .chars()
            .map(|c| if (c as u32) < 256 { c } else { '?' })
            .collect();
        self.ops().extend([
            Op::StartTextSection,
            Op::SetFillColor {
                col: rgb(0.1, 0.1, 0.1),
            },
            Op::SetFont {
                font: PdfFontHandle::Builtin(font),
                size: Pt(size),
            },
            Op::SetTextCursor {
                pos: Point::new(Mm(x), Mm(y)),
            },
            Op::ShowText {
                items: vec![TextItem::Text(text)],
            },
            Op::EndTextSection,
        ]);
    }

    fn line(&mut self, size: f32, bold: bool, text: &str) {
        let step = size * 0.45;
        self.need(step);
        self.y -= step;
        self.text_at(MARGIN, size, bold, text);
    }

    fn heading(&mut self, text: &str) {
        self.need(14.0);
        self.y -= 4.0;
        self.line(13.0, true, text);
    }

    fn bar(&mut self, label: &str, value: f64, max: f64) {
        let step = 5.0;
        self.need(step);
        self.y -= step;
        self.text_at(MARGIN, 8.0, false, label);
        let zero = 120.0;
        let len = (value.abs() / max.max(1e-12)) as f32 * 60.0;
        let x = if value >= 0.0 { zero } else { zero - len };
        let color = if value >= 0.0 {
            rgb(0.82, 0.27, 0.23)
        } else {
            rgb(0.18, 0.44, 0.71)
        };
        let y = self.y;
        let mut rect = Rect::from_xywh(
            Mm(x).into(),
            Mm(y - 0.5).into(),
            Mm(len.max(0.2)).into(),
            Mm(3.0).into(),
        );
        rect.mode = Some(PaintMode::Fill);
        self.ops().extend([
            Op::SaveGraphicsState,
            Op::SetFillColor { col: color },
            Op::DrawRectangle { rectangle: rect },
            Op::RestoreGraphicsState,
        ]);
        self.text_at(zero + 62.0, 8.0, false, &format!("{value:+.6}"));
    }
}

pub fn render(r: &Report) -> Vec<u8> {
    let mut w = Writer::new();
    w.line(16.0, true, &r.title);
    w.heading("Decision");
    for (k, v) in &r.context.fields {
        w.line(9.0, false, &format!("{k}: {v}"));
    }
    w.line(9.0, true, &format!("action: {}", r.action_name));
    let outputs: Vec<String> = r
        .outputs
        .iter()
        .enumerate()
        .map(|(i, o)| format!("{} {o:.6}", action_name(i)))
        .collect();
    w.line(
        9.0,
        false,
        &format!("model outputs: {}", outputs.join(", ")),
    );
    if let Some(o) = &r.context.order {
        w.line(9.0, false, &format!("order: {o}"));
    }
    if !r.context.slots.is_empty() {
        w.heading("Provenance");
        for s in &r.context.slots {
            w.line(
                9.0,
                false,
                &format!(
                    "slot {} v{} {} weight {:.6} raw {:?}",
                    s.slot, s.version, s.backend, s.weight, s.raw
                ),
            );
            if !s.sha256.is_empty() {
                w.line(8.0, false, &format!("    sha256 {}", s.sha256));
            }
        }
    }
    if let Some(e) = &r.explanation {
        w.heading(&format!("SHAP values for {}", r.action_name));
        w.line(
            9.0,
            false,
            &format!(
                "base value {:.6}, prediction {:.6}, {} ({} coalitions, {} background rows)",
                e.base_value,
                e.prediction,
                if e.exact { "exact" } else { "Kernel SHAP" },
                e.coalitions,
                e.background_rows
            ),
        );
        let mut items: Vec<(&String, f64)> = e
            .feature_names
            .iter()
            .zip(e.feature_importances.iter().copied())
            .collect();
        items.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
        items.truncate(25);
        let max = items.iter().map(|(_, v)| v.abs()).fold(0.0, f64::max);
        for (name, v) in items {
            w.bar(name, v, max);
        }
    }
    if let Some(cfs) = &r.counterfactuals {
        w.heading("Counterfactuals");
        if cfs.is_empty() {
            w.line(
                9.0,
                false,
                "No single-feature change within the background's range changes the action.",
            );
        }
        for c in cfs.iter().take(20) {
            w.line(
                9.0,
                false,
                &format!(
                    "{}: {:.6} -> {:.6} (delta {:+.6}) gives {}, distance {:.4}",
                    c.feature_name,
                    c.original_value,
                    c.counterfactual_value,
                    c.delta,
                    action_name(c.new_action),
                    c.distance
                ),
            );
        }
    }
    if let Some(fi) = &r.feature_importance {
        w.heading("Feature importance (permutation)");
        let max = fi.iter().map(|f| f.importance).fold(0.0, f64::max);
        for f in fi.iter().take(20) {
            w.bar(&f.feature_name, f.importance, max);
        }
    }
    let mut doc = PdfDocument::new(&r.title);
    let pages = w
        .pages
        .into_iter()
        .map(|ops| PdfPage::new(Mm(W), Mm(H), ops))
        .collect();
    doc.with_pages(pages);
    doc.save(&PdfSaveOptions::default(), &mut Vec::new())
}

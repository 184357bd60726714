//! The PDF report, written with pdf-writer: selectable text in the standard
//! Helvetica fonts (no font files to embed) and the SHAP values as bars,
//! paginated on A4. Positions are in millimetres from the bottom left.

use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

use crate::counterfactual::Counterfactual;
use crate::format::{shown_of, signed};
use crate::kernel_shap::Explanation;
use crate::report::{FeatureImportance, NO_COUNTERFACTUAL, Report, action_name, score_line};

const W: f32 = 210.0;
const H: f32 = 297.0;
const MARGIN: f32 = 18.0;

/// Points per millimetre.
const PT: f32 = 72.0 / 25.4;
/// Resource names of the two standard fonts.
const REGULAR: Name = Name(b"F1");
const BOLD: Name = Name(b"F2");

/// A cursor that lays lines and bars down pages.
struct Writer {
    pages: Vec<Content>,
    y: f32,
}

/// Text in the fonts' WinAnsi encoding, which agrees with Latin-1 outside
/// 0x80-0x9F; other characters become `?` so the line stays readable.
fn win_ansi(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| match u32::from(c) {
            v @ (0x20..=0x7E | 0xA0..=0xFF) => v as u8,
            _ => b'?',
        })
        .collect()
}

impl Writer {
    fn new() -> Self {
        Self {
            pages: vec![Content::new()],
            y: H - MARGIN,
        }
    }

    fn need(&mut self, mm: f32) {
        if self.y - mm < MARGIN {
            self.pages.push(Content::new());
            self.y = H - MARGIN;
        }
    }

    fn page(&mut self) -> &mut Content {
        self.pages.last_mut().expect("a page")
    }

    fn text_at(&mut self, x: f32, size: f32, bold: bool, text: &str) {
        let y = self.y;
        let bytes = win_ansi(text);
        self.page()
            .begin_text()
            .set_fill_rgb(0.1, 0.1, 0.1)
            .set_font(if bold { BOLD } else { REGULAR }, size)
            .next_line(x * PT, y * PT)
            .show(Str(&bytes))
            .end_text();
    }

    fn line(&mut self, size: f32, bold: bool, text: &str) {
        let step = size * 0.45;
        self.need(step);
        self.y -= step;
        self.text_at(MARGIN, size, bold, text);
    }

    /// A paragraph: words wrapped to the text width.
    fn wrapped(&mut self, size: f32, bold: bool, text: &str) {
        // Helvetica averages about 0.52 em a character.
        let per_line = ((W - 2.0 * MARGIN) / (size * 0.52 * 0.3528)) as usize;
        let mut line = String::new();
        for word in text.split_whitespace() {
            if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > per_line {
                self.line(size, bold, &line);
                line.clear();
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
        if !line.is_empty() {
            self.line(size, bold, &line);
        }
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
        let (r, g, b) = if value >= 0.0 {
            (0.82, 0.27, 0.23)
        } else {
            (0.18, 0.44, 0.71)
        };
        let y = self.y;
        self.page()
            .save_state()
            .set_fill_rgb(r, g, b)
            .rect(x * PT, (y - 0.5) * PT, len.max(0.2) * PT, 3.0 * PT)
            .fill_nonzero()
            .restore_state();
        self.text_at(zero + 62.0, 8.0, false, &format!("{value:+.6}"));
    }
}

pub fn render(r: &Report) -> Vec<u8> {
    let mut w = Writer::new();
    // The sections in reading order, as in the HTML report.
    title(&mut w, r);
    decision(&mut w, r);
    if !r.context.slots.is_empty() {
        ensemble(&mut w, r);
        provenance(&mut w, r);
    }
    if let Some(e) = &r.explanation {
        shap(&mut w, r, e);
    }
    if let Some(cfs) = &r.counterfactuals {
        counterfactuals(&mut w, r, cfs);
    }
    if let Some(fi) = &r.feature_importance {
        importance(&mut w, fi);
    }
    assemble(&r.title, w.pages)
}

/// The title, then the warnings before anything a reader might trust.
fn title(w: &mut Writer, r: &Report) {
    w.line(16.0, true, &r.title);
    for warning in &r.warnings {
        w.y -= 2.0;
        w.wrapped(10.0, true, &format!("WARNING: {warning}"));
    }
}

/// The context's fields, the action and the model's outputs.
fn decision(w: &mut Writer, r: &Report) {
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
    w.line(
        9.0,
        false,
        &format!("the model's own choice: {}", r.model_action_name),
    );
    if let Some(o) = &r.context.order {
        w.line(9.0, false, &format!("order: {o}"));
    }
}

/// Each slot's contribution to the ensemble score, then the score.
fn ensemble(w: &mut Writer, r: &Report) {
    w.heading("What moved the ensemble score");
    w.line(
        9.0,
        true,
        "slot, backend: weight x (buy - sell) = contribution",
    );
    for s in &r.context.slots {
        let edge = s.raw.get(..2).map_or(f64::NAN, |b| b[0] - b[1]);
        let explained = if r.context.explained_slot == Some(s.slot) {
            "  (explained below)"
        } else {
            ""
        };
        w.line(
            9.0,
            false,
            &format!(
                "slot {}, {}: {:.6} x {} = {}{explained}",
                s.slot,
                s.backend,
                s.weight,
                signed(edge),
                signed(s.contribution)
            ),
        );
    }
    if let Some(e) = &r.context.ensemble {
        w.wrapped(9.0, false, &score_line(e));
    }
}

/// Each slot's version, raw outputs and model hash.
fn provenance(w: &mut Writer, r: &Report) {
    w.heading("Provenance");
    for s in &r.context.slots {
        let raw: Vec<String> = s.raw.iter().map(|v| format!("{v:.6}")).collect();
        w.line(
            9.0,
            false,
            &format!(
                "slot {} v{} {} raw (buy, sell, hold) {}",
                s.slot,
                s.version,
                s.backend,
                raw.join(", ")
            ),
        );
        if !s.sha256.is_empty() {
            w.line(8.0, false, &format!("    sha256 {}", s.sha256));
        }
    }
}

/// The Shapley values as bars, largest first (at most 25).
fn shap(w: &mut Writer, r: &Report, e: &Explanation) {
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
    let mut items = e.ranked_features();
    w.line(
        9.0,
        false,
        &format!("features: {}", shown_of(25, items.len())),
    );
    items.truncate(25);
    let max = items.iter().map(|(_, v)| v.abs()).fold(0.0, f64::max);
    for (name, v) in items {
        w.bar(name, v, max);
    }
}

/// The nearest counterfactuals in words (at most 20), or why there are none.
fn counterfactuals(w: &mut Writer, r: &Report, cfs: &[Counterfactual]) {
    w.heading("Counterfactuals");
    w.wrapped(
        9.0,
        false,
        &format!(
            "The smallest changes that make the model choose another action than {}, nearest first (distance: each change over the feature's scale, summed).",
            r.model_action_name
        ),
    );
    if cfs.is_empty() {
        w.wrapped(9.0, false, NO_COUNTERFACTUAL);
    }
    for c in cfs.iter().take(20) {
        w.wrapped(
            9.0,
            false,
            &format!(
                "{} gives {}, distance {:.4}",
                c.describe(),
                c.new_action_name,
                c.distance
            ),
        );
    }
}

/// Permutation importance as bars, largest first (at most 20).
fn importance(w: &mut Writer, fi: &[FeatureImportance]) {
    w.heading("Feature importance (permutation)");
    w.line(9.0, false, &format!("features: {}", shown_of(20, fi.len())));
    let max = fi.iter().map(|f| f.importance).fold(0.0, f64::max);
    for f in fi.iter().take(20) {
        w.bar(&f.feature_name, f.importance, max);
    }
}

/// The document: catalog, page tree, the two fonts, one content stream per
/// page, and the title in the document information.
fn assemble(title: &str, pages: Vec<Content>) -> Vec<u8> {
    let mut pdf = Pdf::new();
    let mut next = 0;
    let mut id = || {
        next += 1;
        Ref::new(next)
    };
    let (catalog, tree, regular, bold, info) = (id(), id(), id(), id(), id());
    let ids: Vec<(Ref, Ref)> = pages.iter().map(|_| (id(), id())).collect();
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree)
        .kids(ids.iter().map(|(page, _)| *page))
        .count(ids.len() as i32);
    for (font, name) in [(regular, "Helvetica"), (bold, "Helvetica-Bold")] {
        pdf.type1_font(font)
            .base_font(Name(name.as_bytes()))
            .encoding_predefined(Name(b"WinAnsiEncoding"));
    }
    for ((page_id, content_id), content) in ids.into_iter().zip(pages) {
        let mut page = pdf.page(page_id);
        page.media_box(Rect::new(0.0, 0.0, W * PT, H * PT))
            .parent(tree)
            .contents(content_id);
        page.resources()
            .fonts()
            .pair(REGULAR, regular)
            .pair(BOLD, bold);
        page.finish();
        pdf.stream(content_id, &content.finish());
    }
    pdf.document_info(info).title(TextStr(title));
    pdf.finish()
}

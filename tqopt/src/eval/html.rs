//! `tqopt eval --html`: the evaluation as one self-contained HTML page (no script, no network,
//! no external file): the output figures, an inline SVG plot of each layer's accumulated and
//! isolated SQNR along the graph, the worst layers and the `deny=` suggestion.
//!
//! Invariant: every text that comes from a model or a path (tensor, op and file names, error
//! messages) goes through [`escape`] before it reaches the page.

use super::report::Evaluation;
use tqopt_passes::accuracy::layer_report::LayerReport;
use tqopt_passes::accuracy::metrics::SQNR_CAP;

/// How many of the worst layers the page lists.
const WORST_LAYERS: usize = 20;

/// Plot geometry, in SVG user units.
const WIDTH: f64 = 960.0;
const HEIGHT: f64 = 320.0;
const LEFT: f64 = 56.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 16.0;
const BOTTOM: f64 = 40.0;

/// Escapes text for HTML element content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font-family:sans-serif;margin:24px;color:#222}\
table{border-collapse:collapse;margin:8px 0 16px}\
th,td{border:1px solid #ccc;padding:3px 8px;text-align:right;font-size:13px}\
th{background:#f0f0f0}td.t{text-align:left;font-family:monospace}\
code{background:#f4f4f4;padding:2px 4px}\
.acc{stroke:#2b6cb0;fill:none;stroke-width:1.5}.iso{fill:#dd6b20}\
.grid{stroke:#e2e2e2}.axis{stroke:#444}text{font-size:11px;fill:#444}";

/// The page.
pub fn render(e: &Evaluation, quant: &str, reference: &str, data: &str) -> String {
    let mut s = String::new();
    s.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    s.push_str(&format!(
        "<title>tqopt eval: {}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        escape(quant)
    ));
    s.push_str(&format!(
        "<h1>tqopt eval</h1>\n<p><code>{}</code> against <code>{}</code> on {} samples of <code>{}</code></p>\n",
        escape(quant),
        escape(reference),
        e.samples,
        escape(data)
    ));
    s.push_str(&format!(
        "<h2>Outputs</h2>\n<p>Model SQNR: <b>{:.2} dB</b> (mean over {} outputs)</p>\n",
        e.sqnr_db(),
        e.outputs.len()
    ));
    s.push_str("<table>\n<tr><th>output</th><th>SQNR (dB)</th><th>cosine</th><th>max abs error</th><th>top-1</th></tr>\n");
    for (name, o) in &e.outputs {
        s.push_str(&format!(
            "<tr><td class=\"t\">{}</td><td>{:.2}</td><td>{:.5}</td><td>{:.6e}</td><td>{:.1}%</td></tr>\n",
            escape(name),
            o.sqnr_db(),
            o.cosine(),
            o.max_abs_error(),
            100.0 * o.top1_agreement()
        ));
    }
    s.push_str("</table>\n");
    for warning in &e.warnings {
        s.push_str(&format!("<p>Warning: {}</p>\n", escape(warning)));
    }
    for note in e.notes() {
        s.push_str(&format!("<p>Note: {}</p>\n", escape(&note)));
    }
    if let Some(line) = e.accuracy_text() {
        s.push_str(&format!("<p>{}</p>\n", escape(&line)));
    }
    if let Some(layers) = &e.layers {
        layers_section(&mut s, layers);
    }
    s.push_str("</body>\n</html>\n");
    s
}

fn layers_section(s: &mut String, r: &LayerReport) {
    s.push_str(&format!(
        "<h2>Layers</h2>\n<p>{} quantized tensors matched to the float model. <i>Accumulated</i>: the quantized model's tensor against the float model's. <i>Isolated</i>: only its op quantized, fed the float model's values.</p>\n",
        r.layers.len()
    ));
    if let Some(note) = r.no_layers_note() {
        s.push_str(&format!("<p>{}</p>\n", escape(note)));
    }
    s.push_str(&plot(r));
    if !r.unmatched.is_empty() {
        let names: Vec<String> = r.unmatched.iter().map(|n| escape(n)).collect();
        s.push_str(&format!(
            "<p>{} quantized tensors have no float counterpart: {}</p>\n",
            names.len(),
            names.join(", ")
        ));
        if let Some(hint) = r.equalized_hint() {
            s.push_str(&format!("<p>{}</p>\n", escape(&hint)));
        }
    }
    let rows: Vec<usize> = r.ranked().into_iter().take(WORST_LAYERS).collect();
    s.push_str(&format!(
        "<h2>Worst {} layers, by isolated SQNR</h2>\n",
        rows.len()
    ));
    s.push_str("<table>\n<tr><th>rank</th><th>tensor</th><th>op</th><th>isolated SQNR (dB)</th><th>accumulated SQNR (dB)</th><th>cosine</th><th>max abs error</th></tr>\n");
    for (rank, &i) in rows.iter().enumerate() {
        let (l, st) = (&r.layers[i], &r.stats[i]);
        let isolated = match (st.isolated_sqnr_db(), &st.isolated_error) {
            (Some(db), _) => format!("{db:.2}"),
            (None, Some(why)) => format!("<span title=\"{}\">-</span>", escape(why)),
            (None, None) => "-".into(),
        };
        s.push_str(&format!(
            "<tr><td>{}</td><td class=\"t\">{}</td><td class=\"t\">{}</td><td>{isolated}</td><td>{:.2}</td><td>{:.5}</td><td>{:.6e}</td></tr>\n",
            rank + 1,
            escape(&l.name),
            escape(&l.op_name),
            st.accumulated.sqnr_db(),
            st.accumulated.cosine(),
            st.accumulated.max_abs_error()
        ));
    }
    s.push_str("</table>\n");
    match r.deny_option() {
        Some(option) => s.push_str(&format!(
            "<p>Suggested deny list (the {} ops with the worst isolated error): <code>{}</code></p>\n",
            r.deny.len(),
            escape(&option)
        )),
        None => s.push_str("<p>Suggested deny list: none.</p>\n"),
    }
}

/// A tick step that gives at most about 8 ticks over `span` dB.
fn tick_step(span: f64) -> f64 {
    [5.0, 10.0, 20.0, 25.0, 50.0]
        .into_iter()
        .find(|st| span / st <= 8.0)
        .unwrap_or(50.0)
}

/// The SVG plot: accumulated SQNR as a line, isolated SQNR as dots, one x step per layer.
fn plot(r: &LayerReport) -> String {
    let n = r.layers.len();
    let values = r
        .stats
        .iter()
        .flat_map(|st| std::iter::once(st.accumulated.sqnr_db()).chain(st.isolated_sqnr_db()));
    let (mut lo, mut hi) = (0.0f64, 10.0f64);
    for v in values.filter(|v| v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    let step = tick_step(hi - lo);
    lo = (lo / step).floor() * step;
    hi = ((hi / step).ceil() * step).min(SQNR_CAP.max(lo + step));
    let (pw, ph) = (WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM);
    let x = |i: usize| {
        LEFT + if n > 1 {
            pw * i as f64 / (n - 1) as f64
        } else {
            pw / 2.0
        }
    };
    let y = |v: f64| TOP + ph * (1.0 - (v.clamp(lo, hi) - lo) / (hi - lo));
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{HEIGHT}\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\" aria-label=\"per-layer SQNR\">\n"
    );
    let mut t = lo;
    while t <= hi + 1e-9 {
        s.push_str(&format!(
            "<line class=\"grid\" x1=\"{LEFT}\" x2=\"{:.1}\" y1=\"{:.1}\" y2=\"{:.1}\"/><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{t}</text>\n",
            WIDTH - RIGHT,
            y(t),
            y(t),
            LEFT - 6.0,
            y(t) + 4.0
        ));
        t += step;
    }
    s.push_str(&format!(
        "<line class=\"axis\" x1=\"{LEFT}\" x2=\"{LEFT}\" y1=\"{TOP}\" y2=\"{:.1}\"/><line class=\"axis\" x1=\"{LEFT}\" x2=\"{:.1}\" y1=\"{:.1}\" y2=\"{:.1}\"/>\n",
        TOP + ph,
        WIDTH - RIGHT,
        TOP + ph,
        TOP + ph
    ));
    s.push_str(&format!(
        "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">layers in graph order ({n})</text><text x=\"14\" y=\"{:.1}\" transform=\"rotate(-90 14 {:.1})\" text-anchor=\"middle\">SQNR (dB)</text>\n",
        LEFT + pw / 2.0,
        HEIGHT - 8.0,
        TOP + ph / 2.0,
        TOP + ph / 2.0
    ));
    let points: Vec<String> = r
        .stats
        .iter()
        .enumerate()
        .map(|(i, st)| format!("{:.1},{:.1}", x(i), y(st.accumulated.sqnr_db())))
        .collect();
    if !points.is_empty() {
        s.push_str(&format!(
            "<polyline class=\"acc\" points=\"{}\"/>\n",
            points.join(" ")
        ));
    }
    for (i, (l, st)) in r.layers.iter().zip(&r.stats).enumerate() {
        if let Some(db) = st.isolated_sqnr_db() {
            s.push_str(&format!(
                "<circle class=\"iso\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"2.5\"><title>{} ({}): isolated {db:.2} dB, accumulated {:.2} dB</title></circle>\n",
                x(i),
                y(db),
                escape(&l.name),
                escape(&l.op_name),
                st.accumulated.sqnr_db()
            ));
        }
    }
    s.push_str(&format!(
        "<line class=\"acc\" x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{TOP}\" y2=\"{TOP}\"/><text x=\"{:.1}\" y=\"{:.1}\">accumulated</text><circle class=\"iso\" cx=\"{:.1}\" cy=\"{TOP}\" r=\"3\"/><text x=\"{:.1}\" y=\"{:.1}\">isolated</text>\n",
        WIDTH - RIGHT - 200.0,
        WIDTH - RIGHT - 180.0,
        WIDTH - RIGHT - 176.0,
        TOP + 4.0,
        WIDTH - RIGHT - 90.0,
        WIDTH - RIGHT - 84.0,
        TOP + 4.0
    ));
    s.push_str("</svg>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_every_markup_character() {
        assert_eq!(
            escape(r#"<script>"a" & 'b'</script>"#),
            "&lt;script&gt;&quot;a&quot; &amp; &#39;b&#39;&lt;/script&gt;"
        );
    }

    #[test]
    fn a_name_with_markup_stays_text() {
        let e = Evaluation {
            samples: 1,
            outputs: vec![("<b>out</b>".into(), Default::default())],
            steps: vec![None],
            layers: None,
            accuracy: None,
            warnings: vec!["'tfl.x' at loc(\"<i>\"): why".into()],
        };
        let page = render(&e, "q<1>.tflite", "f&.tflite", "d\".npy");
        assert!(!page.contains("<b>out</b>"), "{page}");
        assert!(page.contains("Warning: &#39;tfl.x&#39; at loc(&quot;&lt;i&gt;&quot;): why"));
        assert!(page.contains("&lt;b&gt;out&lt;/b&gt;"));
        assert!(page.contains("q&lt;1&gt;.tflite") && page.contains("f&amp;.tflite"));
        // Nothing is fetched: no source or link attribute, no script.
        assert!(!page.contains("src=") && !page.contains("href=") && !page.contains("<script"));
    }

    #[test]
    fn ticks_stay_few() {
        assert_eq!(tick_step(30.0), 5.0);
        assert_eq!(tick_step(99.0), 20.0);
        assert_eq!(tick_step(198.0), 25.0);
    }
}

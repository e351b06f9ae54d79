//! 速率 / Rates: a live graph of bytes per second received and sent, for the whole session
//! or one client, over the last minute (ten minutes, an hour). Drawn with egui_plot (drag and
//! scroll to zoom, double-click to reset). It is read only while shown: hidden, it costs
//! nothing, and the session keeps its per-second counts without any timer.

use std::time::{SystemTime, UNIX_EPOCH};

use egui::Ui;
use egui_plot::{Legend, Line, Plot};
use tcptalk_session::{PeerId, Rates};

use crate::pane::Pane;

/// The spans the graph offers, in seconds.
const SPANS: [u64; 3] = [60, 600, 3600];

/// The graph's state in one window.
#[derive(Debug, Clone)]
pub(crate) struct RateGraph {
    pub(crate) show: bool,
    span: u64,
    /// One client, or (`None`) the whole session.
    peer: Option<PeerId>,
}

impl Default for RateGraph {
    fn default() -> Self {
        RateGraph {
            show: false,
            span: 60,
            peer: None,
        }
    }
}

/// Bytes per second for each of the last `span` seconds up to `now`, quiet seconds as zero:
/// `(seconds before now (negative), received, sent)`.
fn series(rates: &Rates, span: u64, now: u64) -> (Vec<[f64; 2]>, Vec<[f64; 2]>) {
    let start = now.saturating_sub(span);
    let len = (now - start + 1) as usize;
    let mut received = vec![0u64; len];
    let mut sent = vec![0u64; len];
    for second in rates.seconds().filter(|s| s.at >= start && s.at <= now) {
        let i = (second.at - start) as usize;
        received[i] = second.received;
        sent[i] = second.sent;
    }
    let x = |i: usize| i as f64 - (len - 1) as f64;
    (
        received
            .iter()
            .enumerate()
            .map(|(i, v)| [x(i), *v as f64])
            .collect(),
        sent.iter()
            .enumerate()
            .map(|(i, v)| [x(i), *v as f64])
            .collect(),
    )
}

impl Pane {
    /// Shows or hides 速率 (as its button does).
    pub fn show_rate_graph(&mut self, show: bool) {
        self.graph.show = show;
    }

    /// The graph above the status bar, when shown. Call before the central panel.
    pub(crate) fn rate_graph_panel(&mut self, ui: &mut Ui, clients: &[(PeerId, String)]) {
        if !self.graph.show {
            return;
        }
        egui::Panel::bottom(self.id("rate-graph"))
            .resizable(true)
            .default_size(170.0)
            .min_size(100.0)
            .show(ui, |ui| self.rate_graph(ui, clients));
    }

    fn rate_graph(&mut self, ui: &mut Ui, clients: &[(PeerId, String)]) {
        let lang = self.lang;
        let texts = lang.graph_texts();
        if self
            .graph
            .peer
            .is_some_and(|peer| !clients.iter().any(|(id, _)| *id == peer))
        {
            self.graph.peer = None;
        }
        ui.horizontal(|ui| {
            let label = ui.label(texts.of);
            let selected = match self.graph.peer {
                None => texts.whole_session.to_string(),
                Some(peer) => clients
                    .iter()
                    .find(|(id, _)| *id == peer)
                    .map(|(_, name)| name.clone())
                    .unwrap_or_default(),
            };
            egui::ComboBox::from_id_salt(self.id("graph-of"))
                .selected_text(selected)
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut self.graph.peer, None, texts.whole_session);
                    for (id, name) in clients.iter().take(200) {
                        ui.selectable_value(&mut self.graph.peer, Some(*id), name.as_str());
                    }
                })
                .response
                .labelled_by(label.id);
            let label = ui.label(texts.span);
            egui::ComboBox::from_id_salt(self.id("graph-span"))
                .selected_text(lang.graph_span(self.graph.span))
                .show_ui(ui, |ui| {
                    for span in SPANS {
                        ui.selectable_value(&mut self.graph.span, span, lang.graph_span(span));
                    }
                })
                .response
                .labelled_by(label.id);
            if ui
                .button(texts.reset)
                .on_hover_text(texts.reset_hint)
                .clicked()
            {
                self.session.reset_counters();
            }
        });
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let (received, sent) = {
            let shared = self.session.shared().lock();
            let rates = match self.graph.peer {
                None => Some(shared.rates()),
                Some(peer) => shared.peer_rates(peer),
            };
            rates.map_or_else(Default::default, |rates| {
                series(rates, self.graph.span, now)
            })
        };
        Plot::new(self.id("graph-plot"))
            .legend(Legend::default())
            .include_y(0.0)
            .x_axis_label(texts.x_axis)
            .y_axis_label(texts.y_axis)
            .allow_scroll(false)
            .show(ui, |plot| {
                plot.line(Line::new(texts.received, received));
                plot.line(Line::new(texts.sent, sent));
            });
        // A new second comes every second.
        ui.ctx()
            .request_repaint_after(std::time::Duration::from_secs(1));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quiet_seconds_are_zero_and_the_newest_is_at_zero() {
        let rates = Rates::new(10);
        let (received, sent) = series(&rates, 5, 100);
        assert_eq!(received.len(), 6);
        assert_eq!(received.last(), Some(&[0.0, 0.0]));
        assert_eq!(sent.first(), Some(&[-5.0, 0.0]));
    }
}

//! Opens a capture held in memory in the terminal view's [`App`], as
//! `sockscope FILE` opens a file: written to a temporary file, read through
//! the background loader to the end, at a terminal size of `w`×`h`.

use std::io::Write;

use ratatui::layout::Rect;
use sockscope::ui::{source, App, Theme};

/// The app on `bytes`, and the temporary file it reads frames back from
/// (keep it alive as long as the app).
pub fn open(bytes: &[u8], w: u16, h: u16) -> (App, tempfile::NamedTempFile) {
    let mut f = tempfile::NamedTempFile::new().expect("temp file");
    f.write_all(bytes).expect("write");
    f.flush().expect("flush");
    let mut o = source::open_path(f.path()).expect("opens");
    if let Some(l) = o.loader.take() {
        if let Some(d) = l.wait() {
            o.data = d;
        }
    }
    let app = App::new(o.data, o.store, Theme::plain(), Rect::new(0, 0, w, h));
    (app, f)
}

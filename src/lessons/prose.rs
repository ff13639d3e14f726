//! The Markdown of a lesson's narration, questions and answers, kept twice:
//! as written (the handout prints it back verbatim) and as blocks of styled
//! text a terminal pane can lay out without knowing Markdown.

/// A run of inline text and how it is set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Inline {
    Text(String),
    /// `code`: bytes, names, commands as they are on the wire.
    Code(String),
    Emphasis(String),
    Strong(String),
    /// A hard line break inside a paragraph.
    Break,
}

/// A block of a narration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Block {
    Paragraph(Vec<Inline>),
    /// A quotation (a source's own words), its paragraphs joined.
    Quote(Vec<Inline>),
    /// A list; `ordered` lists number their items.
    List {
        ordered: bool,
        items: Vec<Vec<Inline>>,
    },
    /// Preformatted lines (a dialogue excerpt, code).
    Code(Vec<String>),
}

/// Markdown prose: its source text and its blocks.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Prose {
    /// The Markdown as the lesson's author wrote it.
    pub markdown: String,
    pub blocks: Vec<Block>,
}

impl Prose {
    pub fn is_empty(&self) -> bool {
        self.blocks.is_empty()
    }

    /// Appends a block and its source text.
    pub fn push(&mut self, block: Block, source: &str) {
        if !self.markdown.is_empty() {
            self.markdown.push_str("\n\n");
        }
        self.markdown.push_str(source.trim_end());
        self.blocks.push(block);
    }

    /// The text without styling, blocks separated by blank lines (for
    /// searching, checking and tests).
    pub fn plain(&self) -> String {
        let mut out = Vec::new();
        for b in &self.blocks {
            out.push(match b {
                Block::Paragraph(i) | Block::Quote(i) => plain(i),
                Block::List { items, .. } => items
                    .iter()
                    .map(|i| plain(i))
                    .collect::<Vec<_>>()
                    .join("\n"),
                Block::Code(lines) => lines.join("\n"),
            });
        }
        out.join("\n\n")
    }

    /// Every `code` span of the prose: where a lesson names a finding id, a
    /// command or a field.
    pub fn code_spans(&self) -> Vec<&str> {
        let mut out = Vec::new();
        for b in &self.blocks {
            match b {
                Block::Paragraph(i) | Block::Quote(i) => code_of(i, &mut out),
                Block::List { items, .. } => {
                    for i in items {
                        code_of(i, &mut out);
                    }
                }
                Block::Code(_) => {}
            }
        }
        out
    }
}

fn code_of<'a>(runs: &'a [Inline], out: &mut Vec<&'a str>) {
    for r in runs {
        if let Inline::Code(c) = r {
            out.push(c.as_str());
        }
    }
}

/// The text of inline runs without styling.
pub fn plain(runs: &[Inline]) -> String {
    runs.iter()
        .map(|r| match r {
            Inline::Text(t) | Inline::Code(t) | Inline::Emphasis(t) | Inline::Strong(t) => {
                t.as_str()
            }
            Inline::Break => "\n",
        })
        .collect()
}

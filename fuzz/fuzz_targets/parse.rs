//! Fuzz target: any bytes, read as a note, go through the outline, block and
//! inline parsers without panicking, and give a well-formed block tree.
#![no_main]

use blockpress::load::SourceFile;
use blockpress::parse::{self, inline};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (text, _) = blockpress::load::decode_text(data.to_vec(), "pages/fuzz.md");
    let note = parse::parse_note(&SourceFile {
        rel_path: "pages/fuzz.md".into(),
        name: "fuzz".into(),
        journal: None,
        text: text.clone(),
    });
    check_tree(&note, &text);
    for line in text.lines() {
        let pieces = inline::scan(line);
        assert!(pieces.len() <= line.len());
        let _ = inline::split_highlights(line);
        let protected = inline::protect_escapes(line);
        let _ = inline::restore_escapes(&protected, false);
    }
});

/// Parents come before their children, depths follow the parents, and every
/// block's line lies inside the file.
fn check_tree(note: &parse::Note, text: &str) {
    let lines = text.split(['\n', '\r']).count().max(1);
    for (i, block) in note.blocks.iter().enumerate() {
        match block.parent {
            Some(p) => {
                assert!(p < i, "parent after child");
                assert_eq!(block.depth, note.blocks[p].depth + 1);
                assert!(note.blocks[p].children.contains(&i));
            }
            None => assert_eq!(block.depth, 0),
        }
        assert!(block.line >= 1 && block.line <= lines, "line {} of {lines}", block.line);
        assert!(block.children.iter().all(|&c| c > i && note.blocks[c].parent == Some(i)));
    }
}

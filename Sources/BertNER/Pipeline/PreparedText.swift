/// A text made ready for the model, before any forward pass: its word pieces, the windows its
/// sentences were cut into, and the token ids (`[CLS] … [SEP]`) of each window.
///
/// Preparing is the per-text CPU work that needs no model: servers do it on the request's own task,
/// concurrently across requests, and hand only `sequences` to the single inference thread.
package struct PreparedText: Sendable {
    package let text: String
    package let pieces: [BertTokenizer.Token]
    /// Piece ranges of the windows, in order (windows of different sentences never overlap).
    package let windows: [Range<Int>]
    /// The model's input for each window.
    package let sequences: [[Int32]]

    /// Word pieces the forward pass will run on for this text, [CLS]/[SEP] included.
    package var tokenCount: Int { sequences.reduce(0) { $0 + $1.count } }
}

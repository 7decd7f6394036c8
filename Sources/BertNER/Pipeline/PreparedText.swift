/// A text made ready for the model, before any forward pass: its word pieces, the windows its
/// sentences were cut into, the token ids (`[CLS] … [SEP]`) of each window, and what a dictionary
/// decided for it.
///
/// Preparing is the per-text CPU work that needs no model: servers do it on the request's own task,
/// concurrently across requests, and hand only `sequences` (and their `constraints`) to the single
/// inference thread.
package struct PreparedText: Sendable {
    let text: String
    let pieces: [BertTokenizer.Token]
    /// Piece ranges of the windows, in order (windows of different sentences never overlap).
    let windows: [Range<Int>]
    /// The model's input for each window.
    package let sequences: [[Int32]]
    /// The dictionary entries found in the text.
    package let dictionary: DictionaryMatches
    /// Per window: the tags the dictionary allows at each of its pieces, nil where it decides nothing.
    package let constraints: [TagConstraints?]

    /// Word pieces the forward pass will run on for this text, [CLS]/[SEP] included.
    var tokenCount: Int { sequences.reduce(0) { $0 + $1.count } }
}

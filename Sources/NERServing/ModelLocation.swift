import Foundation

package enum ModelLocation {
    /// `NER_MODEL` when set, else the bundle shipped in the repository's `Weights/`.
    package static var defaultBundle: String {
        ProcessInfo.processInfo.environment["NER_MODEL"] ?? "Weights/default"
    }
}

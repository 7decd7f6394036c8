import Foundation

/// `NER_*` environment variables as option defaults (an empty value counts as unset). In the core
/// so that every option group reads its variable where it declares its flag.
package enum Environment {
    package static func string(_ name: String) -> String? {
        ProcessInfo.processInfo.environment[name].flatMap { $0.isEmpty ? nil : $0 }
    }
    package static func int(_ name: String) -> Int? { string(name).flatMap { Int($0) } }
    package static func double(_ name: String) -> Double? { string(name).flatMap { Double($0) } }
    /// 1/true/yes (any case) is true; anything else set is false.
    package static func bool(_ name: String) -> Bool? { string(name).map { ["1", "true", "yes"].contains($0.lowercased()) } }
}

import BertNER
import Foundation
import Synchronization

/// The server-wide dictionary (`--dictionary`) of both adapters, replaced whole: a request or
/// message takes the dictionary current when it starts and keeps it to the end, so none ever sees
/// half of an old and half of a new one. A reload that fails keeps the dictionary in use and
/// records why.
package final class DictionaryStore: Sendable {
    /// What `GET /info` reports under `dictionary`.
    package struct Status: Codable, Sendable, Equatable {
        /// The configured file (nil: no server dictionary).
        package var path: String?
        package var entries: Int = 0
        /// ISO 8601 time of the last successful load.
        package var loadedAt: String?
        package var loadSeconds: Double?
        package var reloads: Int = 0
        package var failedReloads: Int = 0
        /// The last failed reload's error (`file:line: reason`), cleared by a successful one.
        package var lastError: String?
    }

    private let state: Mutex<(dictionary: EntityDictionary, status: Status)>
    /// Held for a whole load, so that two overlapping reloads cannot swap an older file in last.
    private let loading = Mutex(())

    init(path: String?) {
        state = Mutex((.empty, Status(path: path)))
    }

    /// The dictionary every request starts from.
    package var current: EntityDictionary { state.withLock { $0.dictionary } }

    package var status: Status { state.withLock { $0.status } }

    /// Reads the configured file for `pipeline`'s model and, if it is valid, swaps it in.
    /// Returns the new entry count; throws (and keeps the old dictionary) otherwise.
    @discardableResult
    func load(for pipeline: NERPipeline, isReload: Bool) throws(DictionaryError) -> Int {
        let result: Result<Int, DictionaryError> = loading.withLock { _ in Result { () throws(DictionaryError) in try read(for: pipeline, isReload: isReload) } }
        return try result.get()
    }

    private func read(for pipeline: NERPipeline, isReload: Bool) throws(DictionaryError) -> Int {
        guard let path = status.path else { return 0 }
        let started = ContinuousClock.now
        let dictionary: EntityDictionary
        do {
            dictionary = try EntityDictionary(contentsOfFile: path, for: pipeline)
        } catch {
            state.withLock { state in
                if isReload { state.status.failedReloads += 1 }
                state.status.lastError = error.description
            }
            throw error
        }
        let seconds = (ContinuousClock.now - started).seconds
        state.withLock { state in
            state.dictionary = dictionary
            state.status.entries = dictionary.entryCount
            state.status.loadedAt = Date().ISO8601Format()
            state.status.loadSeconds = seconds
            state.status.lastError = nil
            if isReload { state.status.reloads += 1 }
        }
        return dictionary.entryCount
    }
}

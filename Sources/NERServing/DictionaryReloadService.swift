import Dispatch
import ServiceLifecycle
import UnixSignals

/// SIGHUP reloads the server-wide dictionary (the convention of nginx and HAProxy) without dropping
/// a request or a message: the file is read beside the traffic and swapped in whole (see
/// `DictionaryStore`). Trapped even without a dictionary, so a stray SIGHUP cannot end the process.
package struct DictionaryReloadService: Service {
    private let core: ServingCore

    package init(core: ServingCore) {
        self.core = core
    }

    package func run() async throws {
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        for await _ in hangups.cancelOnGracefulShutdown() {
            await withCheckedContinuation { continuation in
                // Parsing a large file is blocking work: kept off the concurrency pool.
                DispatchQueue.global().async {
                    core.reloadDictionary()
                    continuation.resume()
                }
            }
        }
    }
}

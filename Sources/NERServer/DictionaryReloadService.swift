import Dispatch
import ServiceLifecycle
import UnixSignals

/// SIGHUP reloads the server's dictionary (the convention of nginx and HAProxy) without dropping a
/// request: the file is read beside the traffic and swapped in whole (see `DictionaryStore`).
/// Trapped even without a dictionary, so a stray SIGHUP cannot end the process.
struct DictionaryReloadService: Service {
    let server: NERService

    func run() async throws {
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        for await _ in hangups.cancelOnGracefulShutdown() {
            await withCheckedContinuation { continuation in
                // Parsing a large file is blocking work: kept off the concurrency pool.
                DispatchQueue.global().async {
                    server.reloadDictionary()
                    continuation.resume()
                }
            }
        }
    }
}

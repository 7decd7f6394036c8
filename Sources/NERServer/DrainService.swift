import ServiceLifecycle

/// The first service to hear SIGTERM: `/ready` turns 503 at once while requests are still served
/// for `drainSeconds`, so load balancers take the replica out before its listener closes. Then the
/// HTTP server shuts down gracefully (finishing in-flight requests) and the request queue drains.
struct DrainService: Service {
    let server: NERService

    func run() async throws {
        try? await gracefulShutdown()
        server.state.markDraining()
        server.logger.info("draining", metadata: ["seconds": "\(server.http.drainSeconds)"])
        try? await Task.sleep(for: .seconds(server.http.drainSeconds))
    }
}

import Hummingbird
import NIOCore
import NIOHTTPTypes
import Synchronization

/// Knowing when a client has gone, so its queued work can be dropped instead of computed.
///
/// The server allows half-closed connections, so a client that closes its socket shows up as
/// `inputClosed` on the channel (or, after a reset, as the channel going inactive) while the
/// request handler is still waiting for the model — nothing else tells the handler. This handler
/// sits in each connection's pipeline, after HTTP decoding, and fires the connection's callbacks.
/// (A client that half-closes on purpose and still waits for its answer is treated as gone; HTTP
/// clients do not do that.)
///
/// Hummingbird's `consumeWithCancellationOnInboundClose` does the same for one request but ends
/// the connection after it, which would cost every keep-alive client a reconnect.
final class ConnectionWatch: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart

    private let registry: ConnectionRegistry
    private let connection = ClientConnection()

    init(registry: ConnectionRegistry) {
        self.registry = registry
    }

    func handlerAdded(context: ChannelHandlerContext) {
        registry.register(connection, for: context.channel)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        closed(context)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.fireChannelRead(data)
    }

    func channelInactive(context: ChannelHandlerContext) {
        closed(context)
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event as? ChannelEvent == .inputClosed { connection.close() }
        context.fireUserInboundEventTriggered(event)
    }

    private func closed(_ context: ChannelHandlerContext) {
        connection.close()
        registry.remove(context.channel)
    }
}

/// One client connection as request handlers see it: closed or not, and what to do when it closes.
final class ClientConnection: Sendable {
    private struct State {
        var closed = false
        var nextToken = 0
        var callbacks: [Int: @Sendable () -> Void] = [:]
    }

    private let state = Mutex(State())

    /// Runs `callback` once when the connection closes (at once if it already has). The token
    /// removes it again.
    func onClose(_ callback: @escaping @Sendable () -> Void) -> Int {
        let token = state.withLock { state -> Int? in
            if state.closed { return nil }
            state.nextToken += 1
            state.callbacks[state.nextToken] = callback
            return state.nextToken
        }
        guard let token else {
            callback()
            return 0
        }
        return token
    }

    func removeCallback(_ token: Int) {
        _ = state.withLock { $0.callbacks.removeValue(forKey: token) }
    }

    /// Runs `operation` in a task that is cancelled when the client on `connection` goes away (or
    /// when the caller is cancelled). Without a watched connection (router tests) it simply runs it.
    static func cancelling<Value: Sendable>(
        when connection: ClientConnection?, _ operation: @escaping @Sendable () async throws -> Value
    ) async throws -> Value {
        guard let connection else { return try await operation() }
        let task = Task { try await operation() }
        let token = connection.onClose { task.cancel() }
        defer { connection.removeCallback(token) }
        return try await withTaskCancellationHandler { try await task.value } onCancel: { task.cancel() }
    }

    func close() {
        let callbacks = state.withLock { state -> [@Sendable () -> Void] in
            state.closed = true
            defer { state.callbacks.removeAll() }
            return Array(state.callbacks.values)
        }
        callbacks.forEach { $0() }
    }
}

/// The open connections by channel, so a request handler (which knows its channel from the request
/// context) finds its `ClientConnection`.
final class ConnectionRegistry: Sendable {
    private let connections = Mutex<[ObjectIdentifier: ClientConnection]>([:])

    func register(_ connection: ClientConnection, for channel: any Channel) {
        connections.withLock { $0[ObjectIdentifier(channel)] = connection }
    }

    func remove(_ channel: any Channel) {
        _ = connections.withLock { $0.removeValue(forKey: ObjectIdentifier(channel)) }
    }

    func connection(for channel: any Channel) -> ClientConnection? {
        connections.withLock { $0[ObjectIdentifier(channel)] }
    }
}

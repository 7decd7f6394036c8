import Hummingbird
import Logging
import NERServing

/// Wraps every route: answers any error as the API's JSON error body (our `APIError`s, Hummingbird's
/// own 404/405/413, and anything unexpected as a logged 500), and records request metrics by
/// matched route pattern and status.
struct ServiceMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: ServingMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        let response: Response
        do {
            response = try await next(request, context)
        } catch let error as APIError {
            response = error.response()
        } catch is CancellationError {
            response = APIError.clientGone.response()
        } catch let error as HTTPError {
            response = Self.apiError(for: error, request: request).response()
        } catch {
            context.logger.error("request failed", metadata: ["error": "\(error)", "path": "\(request.uri.path)"])
            response = APIError.internalError.response()
        }
        metrics.recordRequest(route: context.endpointPath ?? "unmatched", method: request.method.rawValue,
                              status: response.status.code, duration: ContinuousClock.now - started)
        return response
    }

    private static func apiError(for error: HTTPError, request: Request) -> APIError {
        switch error.status {
        case .notFound:
            if let allowed = Routes.methods[request.uri.path] {
                .methodNotAllowed(method: request.method.rawValue, path: request.uri.path, allowed: allowed.rawValue)
            } else {
                .notFound(path: request.uri.path)
            }
        case .methodNotAllowed:
            .methodNotAllowed(method: request.method.rawValue, path: request.uri.path, allowed: Routes.methods[request.uri.path]?.rawValue)
        default: APIError(status: error.status, code: "http_\(error.status.code)", message: error.body ?? error.status.reasonPhrase)
        }
    }
}

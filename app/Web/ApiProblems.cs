using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using SpecEditor.Hosting;
using SpecEditor.Specs;

namespace SpecEditor.Web;

/// <summary>
/// Turns failures into RFC 9457 problem details with a stable <c>code</c>: for API requests as JSON, for pages
/// as the friendly error page. Unexpected exceptions are logged with their stack trace but never shown.
/// </summary>
public static partial class ApiProblems
{
    public const string TypePrefix = "urn:spec-editor:problem:";

    public static bool IsApiRequest(HttpContext context) =>
        context.Request.Path.StartsWithSegments("/api") || context.Request.Path.StartsWithSegments("/health");

    public static ProblemDetails From(AppException exception)
    {
        var problem = Create(exception.StatusCode, exception.Code, exception.Message);
        switch (exception)
        {
            // Extension values are serialised by their runtime type, which must be one ApiJsonContext declares: an array,
            // not whatever list the thrower built (a collection expression's type has no name to declare).
            case InvalidSpecException invalid:
                problem.Extensions["errors"] = invalid.Errors.ToArray();
                break;
            case InvalidPodNameException names:
                problem.Extensions["errors"] = names.Errors.ToArray();
                break;
            case SpecConflictException conflict:
                problem.Extensions["currentVersion"] = conflict.CurrentBlobSha;
                problem.Extensions["diff"] = conflict.Diff;
                break;
            case DuplicateChangeException duplicate:
                problem.Extensions["existingChange"] = new Dictionary<string, string>
                {
                    ["id"] = duplicate.Existing.Id,
                    ["url"] = $"/changes/{duplicate.Existing.Id}",
                    ["api"] = $"/api/changes/{duplicate.Existing.Id}",
                };
                break;
        }

        return problem;
    }

    public static ProblemDetails Create(int status, string code, string detail)
    {
        var problem = new ProblemDetails
        {
            Type = TypePrefix + code,
            Title = ReasonPhrases.GetReasonPhrase(status),
            Status = status,
            Detail = detail,
        };
        problem.Extensions["code"] = code;
        return problem;
    }

    public static Task WriteAsync(HttpContext context, ProblemDetails problem)
    {
        context.Response.StatusCode = problem.Status ?? StatusCodes.Status500InternalServerError;

        // The API's serializer options (ApiJsonContext in its resolver chain), not the context's own: they hold the API's
        // escaping and null handling, so problems read like every other response.
        var options = context.RequestServices.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
        return context.Response.WriteAsJsonAsync(problem, (JsonTypeInfo<ProblemDetails>)options.GetTypeInfo(typeof(ProblemDetails)), "application/problem+json");
    }

    /// <summary>Known failures keep their status; a body over the limit is 413; anything else is a logged 500.</summary>
    internal sealed partial class ExceptionHandler(ILogger<ExceptionHandler> logger) : IExceptionHandler
    {
        public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
        {
            var problem = exception switch
            {
                AppException known => From(known),
                BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } => Create(413, "request.too_large", "The request body is larger than the server accepts (MAX_REQUEST_BYTES)."),
                BadHttpRequestException bad => Create(bad.StatusCode, "request.invalid", bad.Message),
                _ => null,
            };

            if (problem is null)
            {
                LogUnexpected(logger, exception, context.Request.Method, context.Request.Path);
                problem = Create(500, "server.error", "Something went wrong on the server; it has been logged. Try again, or report it with the time it happened.");
            }

            // The middleware has already pointed the request at /error; the feature keeps the original path.
            var path = context.Features.Get<IExceptionHandlerPathFeature>()?.Path ?? context.Request.Path;
            if (path.StartsWith("/api", StringComparison.Ordinal) || path.StartsWith("/health", StringComparison.Ordinal))
            {
                await WriteAsync(context, problem).ConfigureAwait(false);
                return true;
            }

            // Pages: the exception handler middleware re-executes the friendly error page, which reads the exception.
            return false;
        }

        [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled error on {Method} {Path}")]
        private static partial void LogUnexpected(ILogger logger, Exception exception, string method, string path);
    }
}

namespace SpecEditor.Hosting;

/// <summary>
/// A failure the user can understand and act on. <see cref="Code"/> is stable (API clients may switch on it)
/// and <see cref="StatusCode"/> is the HTTP status it maps to, in the API and in the UI alike.
/// </summary>
public abstract class AppException(string code, int statusCode, string message) : Exception(message)
{
    public string Code { get; } = code;

    public int StatusCode { get; } = statusCode;
}

/// <summary>A request the app cannot use: bad JSON, a missing field, a body over the size limit.</summary>
public sealed class BadRequestException(string code, string message, int statusCode = StatusCodes.Status400BadRequest)
    : AppException(code, statusCode, message);

using System.Globalization;
using System.Net;
using Octokit;
using SpecEditor.Hosting;
using static Microsoft.AspNetCore.Http.StatusCodes;

namespace SpecEditor.Specs.GitHub;

/// <summary>GitHub's rate limit is used up (primary) or it asked us to slow down (secondary); says when to come back.</summary>
public sealed class GitHubRateLimitedException(DateTimeOffset retryAt, bool secondary)
    : AppException(
        "github.rate_limited",
        Status429TooManyRequests,
        secondary
            ? $"GitHub asked the app to slow down (secondary rate limit). Nothing was lost; try again after {Format(retryAt)}."
            : $"The GitHub API rate limit is used up until {Format(retryAt)}. Nothing was lost; try again after that.")
{
    public DateTimeOffset RetryAt { get; } = retryAt;

    public bool Secondary { get; } = secondary;

    private static string Format(DateTimeOffset when) => when.ToUniversalTime().ToString("HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);
}

/// <summary>GitHub could not be reached, timed out, or kept answering 5xx after the retries.</summary>
public sealed class GitHubUnavailableException(string message)
    : AppException("github.unavailable", Status503ServiceUnavailable, message);

/// <summary>GitHub refused the credentials: a bad or revoked token.</summary>
public sealed class GitHubCredentialsException(string message, int status)
    : AppException("github.bad_credentials", status, message);

/// <summary>The token works but lacks a scope or permission the operation needs.</summary>
public sealed class GitHubPermissionException(string code, string message)
    : AppException(code, Status403Forbidden, message);

/// <summary>The repository (or branch) does not exist, or the token cannot see it.</summary>
public sealed class GitHubNotFoundException(string message)
    : AppException("github.not_found", Status404NotFound, message);

/// <summary>Branch protection or a repository rule refused the write.</summary>
public sealed class GitHubBranchProtectedException(string message)
    : AppException("github.branch_protected", Status403Forbidden, message);

/// <summary>GitHub refused the request for another reason; its own message is passed on.</summary>
public sealed class GitHubRequestException(string message)
    : AppException("github.request_failed", Status502BadGateway, message);

/// <summary>Turns Octokit's exceptions into messages people can act on. What was being done is part of the message.</summary>
internal static class GitHubErrors
{
    /// <param name="exception">What Octokit threw.</param>
    /// <param name="doing">What the app was doing, e.g. "reading the base branch".</param>
    /// <param name="repository">owner/name, for messages.</param>
    /// <param name="asUser">True when the signed-in user's token was used (writes), false for the service token.</param>
    public static AppException Translate(ApiException exception, string doing, string repository, bool asUser)
    {
        var github = GitHubMessage(exception);
        var whose = asUser ? "your GitHub sign-in" : "the app's GitHub token (GH_TOKEN)";
        switch (exception)
        {
            case RateLimitExceededException limit:
                return new GitHubRateLimitedException(limit.Reset, secondary: false);
            case SecondaryRateLimitExceededException:
                return new GitHubRateLimitedException(DateTimeOffset.UtcNow.AddMinutes(1), secondary: true);
            case AuthorizationException:
                return asUser
                    ? new GitHubCredentialsException("GitHub no longer accepts your sign-in (the token was revoked or expired). Sign out and sign in again.", Status401Unauthorized)
                    : new GitHubCredentialsException($"GitHub refused {whose} while {doing}: bad credentials. Replace GH_TOKEN.", Status503ServiceUnavailable);
        }

        if (MissingScopes(exception) is { Length: > 0 } missing)
        {
            return new GitHubPermissionException(
                "github.missing_scope",
                $"While {doing}, GitHub refused {whose}: it lacks the scope {missing}. " + (asUser ? "Sign out and sign in again to grant it." : "Give GH_TOKEN that scope."));
        }

        if (IsRuleViolation(github))
        {
            return new GitHubBranchProtectedException($"While {doing}, GitHub's branch protection or repository rules refused the change: {github}");
        }

        return exception.StatusCode switch
        {
            HttpStatusCode.NotFound => new GitHubNotFoundException(
                $"While {doing}: GitHub says the repository {repository} or the item asked for does not exist, or {whose} cannot see it (check GH_REPO and the token's access)."),
            HttpStatusCode.Forbidden => new GitHubPermissionException(
                "github.forbidden", $"While {doing}, GitHub refused {whose}: {github}" + (asUser ? " You may need write access to the repository." : "")),
            (HttpStatusCode)422 => new GitHubRequestException($"While {doing}, GitHub refused the request: {github}"),
            >= HttpStatusCode.InternalServerError => new GitHubUnavailableException($"GitHub failed while {doing} ({(int)exception.StatusCode}): {github}. Nothing was lost; try again."),
            _ => new GitHubRequestException($"While {doing}, GitHub answered {(int)exception.StatusCode}: {github}"),
        };
    }

    /// <summary>GitHub's own words: the top-level message and any field errors.</summary>
    public static string GitHubMessage(ApiException exception)
    {
        var parts = new List<string>();
        if (exception.ApiError?.Message is { Length: > 0 } message)
        {
            parts.Add(message.Trim());
        }

        foreach (var error in exception.ApiError?.Errors ?? [])
        {
            if (error.Message is { Length: > 0 } detail && !parts.Contains(detail))
            {
                parts.Add(detail.Trim());
            }
        }

        return parts.Count > 0 ? string.Join(": ", parts) : exception.Message;
    }

    /// <summary>True for 422s GitHub answers when the thing being created is already there.</summary>
    public static bool IsAlreadyExists(ApiException exception, string marker) =>
        exception.StatusCode == (HttpStatusCode)422 && GitHubMessage(exception).Contains(marker, StringComparison.OrdinalIgnoreCase);

    private static bool IsRuleViolation(string message) =>
        message.Contains("protected branch", StringComparison.OrdinalIgnoreCase)
        || message.Contains("Repository rule violations", StringComparison.OrdinalIgnoreCase)
        || message.Contains("branch protection", StringComparison.OrdinalIgnoreCase);

    /// <summary>Scopes the endpoint accepts that the token does not have (classic tokens report both as headers).</summary>
    private static string MissingScopes(ApiException exception)
    {
        var headers = exception.HttpResponse?.Headers;
        if (headers is null || exception.StatusCode is not (HttpStatusCode.NotFound or HttpStatusCode.Forbidden))
        {
            return "";
        }

        var accepted = Header(headers, "X-Accepted-OAuth-Scopes");
        var granted = Header(headers, "X-OAuth-Scopes");
        if (accepted is null || granted is null)
        {
            return "";
        }

        var acceptedScopes = Split(accepted);
        var grantedScopes = Split(granted);
        if (acceptedScopes.Count == 0 || acceptedScopes.Any(grantedScopes.Contains))
        {
            return "";
        }

        return string.Join(" or ", acceptedScopes.Select(s => $"'{s}'"));

        static List<string> Split(string value) => value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
    }

    private static string? Header(IReadOnlyDictionary<string, string> headers, string name) =>
        headers.FirstOrDefault(h => h.Key.Equals(name, StringComparison.OrdinalIgnoreCase)).Value;
}

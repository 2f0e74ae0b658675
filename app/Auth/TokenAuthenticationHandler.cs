using System.Collections.Concurrent;
using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using SpecEditor.Specs.GitHub.Http;

namespace SpecEditor.Auth;

/// <summary>
/// API clients authenticate with their own GitHub token (<c>Authorization: Bearer …</c>). The token is checked with GitHub
/// once and remembered for a few minutes by its hash; the allow-list applies as it does at sign-in.
/// </summary>
public sealed class TokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory loggers,
    UrlEncoder encoder,
    GitHubUserLookup lookup,
    AccessPolicy access,
    TimeProvider clock) : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggers, encoder)
{
    private static readonly TimeSpan Remember = TimeSpan.FromMinutes(5);
    private static readonly ConcurrentDictionary<string, (GitHubIdentity Identity, DateTimeOffset Until)> Known = new(StringComparer.Ordinal);

    public static bool HasToken(HttpContext context) => Token(context) is not null;

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (Token(Context) is not { } token)
        {
            return AuthenticateResult.NoResult();
        }

        var key = RateLimitTracker.CredentialKey(token);
        var now = clock.GetUtcNow();
        if (!Known.TryGetValue(key, out var known) || known.Until < now)
        {
            // A refused token or a refused user ends the request with GitHub's reason (401 or 403), as sign-in would.
            var identity = await lookup.LookupAsync(token, Context.RequestAborted).ConfigureAwait(false);
            access.EnsureAllowed(identity);
            if (Known.Count > 10_000)
            {
                Known.Clear();
            }

            known = (identity, now + Remember);
            Known[key] = known;
        }

        var principal = new ClaimsPrincipal(new ClaimsIdentity(known.Identity.ToClaims(), Scheme.Name));
        var properties = new AuthenticationProperties();
        properties.StoreTokens([new AuthenticationToken { Name = CurrentUser.TokenName, Value = token }]);
        return AuthenticateResult.Success(new AuthenticationTicket(principal, properties, Scheme.Name));
    }

    private static string? Token(HttpContext context)
    {
        var header = context.Request.Headers.Authorization.ToString();
        foreach (var scheme in (string[])["Bearer ", "token "])
        {
            if (header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) && header.Length > scheme.Length)
            {
                return header[scheme.Length..].Trim();
            }
        }

        return null;
    }
}

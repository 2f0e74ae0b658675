using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

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
    AccessPolicy access) : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggers, encoder)
{
    public static bool HasToken(HttpContext context) => Token(context) is not null;

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (Token(Context) is not { } token)
        {
            return AuthenticateResult.NoResult();
        }

        // A refused token or a refused user ends the request with GitHub's reason (401 or 403), as sign-in would.
        var identity = await lookup.LookupRememberedAsync(token, Context.RequestAborted).ConfigureAwait(false);
        access.EnsureAllowed(identity);

        var principal = new ClaimsPrincipal(new ClaimsIdentity(identity.ToClaims(), Scheme.Name));
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

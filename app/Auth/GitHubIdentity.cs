using System.Globalization;
using System.Security.Claims;
using SpecEditor.Specs;

namespace SpecEditor.Auth;

/// <summary>A GitHub user as sign-in learns them: who they are and, when rules need it, their organisations and teams (lowercase).</summary>
public sealed record GitHubIdentity(long Id, string Login, string? Name, string? Email, IReadOnlyList<string> Orgs, IReadOnlyList<string> Teams)
{
    public const string LoginClaim = "urn:github:login";
    public const string IdClaim = "urn:github:id";
    public const string NameClaim = "urn:github:name";
    public const string EmailClaim = "urn:github:email";
    public const string OrgClaim = "urn:github:org";
    public const string TeamClaim = "urn:github:team";

    /// <summary>Commits made through the API are attributed by GitHub to the token's user; this is only what the app shows.</summary>
    public Actor ToActor() => new(Login, Name is { Length: > 0 } name ? name : Login, Email is { Length: > 0 } email ? email : NoReplyEmail(Id, Login));

    public IEnumerable<Claim> ToClaims()
    {
        yield return new Claim(ClaimTypes.Name, Login);
        yield return new Claim(LoginClaim, Login);
        yield return new Claim(IdClaim, Id.ToString(CultureInfo.InvariantCulture));
        if (Name is { Length: > 0 } name)
        {
            yield return new Claim(NameClaim, name);
        }

        if (Email is { Length: > 0 } email)
        {
            yield return new Claim(EmailClaim, email);
        }

        foreach (var org in Orgs)
        {
            yield return new Claim(OrgClaim, org);
        }

        foreach (var team in Teams)
        {
            yield return new Claim(TeamClaim, team);
        }
    }

    public static GitHubIdentity? FromPrincipal(ClaimsPrincipal principal)
    {
        if (principal.Identity?.IsAuthenticated != true || principal.FindFirst(LoginClaim)?.Value is not { Length: > 0 } login)
        {
            return null;
        }

        _ = long.TryParse(principal.FindFirst(IdClaim)?.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var id);
        return new GitHubIdentity(
            id,
            login,
            principal.FindFirst(NameClaim)?.Value,
            principal.FindFirst(EmailClaim)?.Value,
            principal.FindAll(OrgClaim).Select(c => c.Value).ToArray(),
            principal.FindAll(TeamClaim).Select(c => c.Value).ToArray());
    }

    /// <summary>GitHub's own no-reply address for users who keep their email private.</summary>
    private static string NoReplyEmail(long id, string login) => $"{id}+{login}@users.noreply.github.com";
}

/// <summary>The user behind the current request, with the token their writes are made with.</summary>
public sealed record SignedInUser(GitHubIdentity Identity, string Token);

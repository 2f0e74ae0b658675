using Microsoft.AspNetCore.Authentication;
using SpecEditor.Hosting;
using SpecEditor.Specs;

namespace SpecEditor.Auth;

/// <summary>
/// The signed-in user of the current request and their GitHub token (kept in the encrypted session cookie, or sent as a
/// bearer token). Writes must go through <see cref="RequireAsync"/>, so they can only ever use the user's own token.
/// </summary>
public sealed class CurrentUser(IHttpContextAccessor accessor)
{
    public const string TokenName = "access_token";

    public async Task<SignedInUser?> GetAsync()
    {
        var context = accessor.HttpContext;
        if (context is null || GitHubIdentity.FromPrincipal(context.User) is not { } identity)
        {
            return null;
        }

        var token = await context.GetTokenAsync(TokenName).ConfigureAwait(false);
        return token is { Length: > 0 } ? new SignedInUser(identity, token) : null;
    }

    /// <summary>The user making this write; 401 without one, and a refusal if the actor is not the signed-in user.</summary>
    public async Task<SignedInUser> RequireAsync(Actor actor)
    {
        var user = await GetAsync().ConfigureAwait(false)
            ?? throw new BadRequestException("auth.required", "Sign in with GitHub to make changes.", StatusCodes.Status401Unauthorized);
        if (!string.Equals(user.Identity.Login, actor.Login, StringComparison.OrdinalIgnoreCase))
        {
            throw new BadRequestException("auth.actor_mismatch", "A change can only be made as the signed-in user.", StatusCodes.Status403Forbidden);
        }

        return user;
    }
}

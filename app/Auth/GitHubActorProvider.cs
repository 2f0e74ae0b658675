using SpecEditor.Specs;
using SpecEditor.Web;

namespace SpecEditor.Auth;

/// <summary>With the GitHub store, the actor is the signed-in GitHub user; anonymous visitors may read but not write.</summary>
public sealed class GitHubActorProvider : IActorProvider
{
    public Actor? GetActor(HttpContext context) => GitHubIdentity.FromPrincipal(context.User)?.ToActor();
}

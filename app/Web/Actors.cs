using SpecEditor.Hosting;
using SpecEditor.Specs;

namespace SpecEditor.Web;

/// <summary>Who is making a request. The local store has one configured author; the GitHub store has signed-in users.</summary>
public interface IActorProvider
{
    /// <summary>The signed-in actor, or null for anonymous requests.</summary>
    Actor? GetActor(HttpContext context);

    /// <summary>The actor for a write; throws 401 when nobody is signed in.</summary>
    Actor RequireWriter(HttpContext context) =>
        GetActor(context) ?? throw new BadRequestException("auth.required", "Sign in to make changes.", StatusCodes.Status401Unauthorized);
}

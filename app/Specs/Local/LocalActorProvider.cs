using Microsoft.Extensions.Options;
using SpecEditor.Web;

namespace SpecEditor.Specs.Local;

/// <summary>The local store has no sign-in: it binds to loopback and every change is made as <c>LOCAL_AUTHOR</c>.</summary>
public sealed class LocalActorProvider(IOptions<SpecsSettings> settings) : IActorProvider
{
    private readonly Actor _actor = CreateActor(settings.Value);

    public Actor? GetActor(HttpContext context) => _actor;

    private static Actor CreateActor(SpecsSettings settings)
    {
        var (name, email) = settings.LocalAuthorIdentity;
        return new Actor(email.Split('@')[0], name, email);
    }
}

using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OAuth;
using Microsoft.Extensions.Options;
using SpecEditor.Hosting;
using SpecEditor.Specs.GitHub;
using SpecEditor.Web;

namespace SpecEditor.Auth;

public sealed record MeResponse(bool SignedIn, string Store, string? Login, string? Name, string? Email);

/// <summary>
/// Sign-in for the GitHub store: GitHub OAuth (state and PKCE checked by ASP.NET's OAuth handler) into an encrypted, HTTP-only
/// session cookie that holds the user's token; bearer tokens for API clients; logout; <c>/api/me</c>.
/// </summary>
public static partial class SignInRegistration
{
    public const string SessionScheme = "spec-editor";
    public const string GitHubScheme = "github";
    public const string TokenScheme = "github-token";
    public const string CallbackPath = "/auth/callback";

    /// <summary>
    /// How long a session may last from sign-in, however active it stays. The allow-list (GH_ALLOWED_ORGS, GH_ALLOWED_TEAMS)
    /// is checked at sign-in, so this bounds how long someone removed from an org or team keeps access.
    /// </summary>
    public static readonly TimeSpan MaxSessionAge = TimeSpan.FromHours(12);

    private const string SignedInAtKey = ".signed-in-at";
    private const string SelectScheme = "spec-editor-auth";

    /// <summary>Registered by the GitHub store: the local store has no sign-in.</summary>
    public static IHostApplicationBuilder AddSignIn(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddHttpContextAccessor();
        services.AddSingleton<CurrentUser>();
        services.AddSingleton<AccessPolicy>();
        services.AddSingleton<GitHubUserLookup>();
        services.AddSingleton<IActorProvider, GitHubActorProvider>();
        services.AddAuthentication(SelectScheme)
            .AddPolicyScheme(SelectScheme, null, options =>
                options.ForwardDefaultSelector = context => TokenAuthenticationHandler.HasToken(context) ? TokenScheme : SessionScheme)
            .AddCookie(SessionScheme)
            .AddOAuth(GitHubScheme, _ => { })
            .AddScheme<AuthenticationSchemeOptions, TokenAuthenticationHandler>(TokenScheme, null);

        // Cookies are Secure whenever the request is https, which every request is with an https PUBLIC_URL (UseWeb).
        services.AddOptions<CookieAuthenticationOptions>(SessionScheme).Configure(options =>
        {
            options.Cookie.Name = "spec-editor.session";
            options.Cookie.HttpOnly = true;
            options.Cookie.SameSite = SameSiteMode.Lax;
            options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            options.ExpireTimeSpan = TimeSpan.FromHours(8);
            options.SlidingExpiration = true;
            options.Events.OnValidatePrincipal = EndSessionsPastTheirMaximumAgeAsync;
            options.LoginPath = "/auth/login";
            options.Events.OnRedirectToLogin = context => Refuse(context, StatusCodes.Status401Unauthorized);
            options.Events.OnRedirectToAccessDenied = context => Refuse(context, StatusCodes.Status403Forbidden);
        });

        services.AddOptions<OAuthOptions>(GitHubScheme).Configure<IOptions<GitHubSettings>>((options, github) =>
        {
            var settings = github.Value;
            options.ClientId = settings.OAuthClientId ?? "";
            options.ClientSecret = settings.OAuthClientSecret ?? "";
            options.AuthorizationEndpoint = new Uri(settings.WebBase, "login/oauth/authorize").ToString();
            options.TokenEndpoint = new Uri(settings.WebBase, "login/oauth/access_token").ToString();
            options.CallbackPath = CallbackPath;
            options.SignInScheme = SessionScheme;
            options.SaveTokens = true;
            options.UsePkce = true;
            options.Scope.Clear();
            foreach (var scope in settings.SignInScopes)
            {
                options.Scope.Add(scope);
            }

            // Lax is enough for GitHub's top-level redirect back, and unlike None it works on plain http in development.
            options.CorrelationCookie.Name = "spec-editor.oauth";
            options.CorrelationCookie.SameSite = SameSiteMode.Lax;
            options.CorrelationCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            options.Events.OnCreatingTicket = CreatingTicketAsync;
            // Thrown, so the error page shows the reason with its stable code (a refused user is a 403, a failed state check a 400).
            options.Events.OnRemoteFailure = context =>
                throw context.Failure as AppException ?? new SignInFailedException(context.Failure?.Message ?? "GitHub did not say why.");
        });
        return builder;
    }

    /// <summary>Authentication and the sign-in endpoints with the GitHub store; <c>/api/me</c> with either store.</summary>
    public static WebApplication UseSignIn(this WebApplication app)
    {
        if (app.Services.GetService<CurrentUser>() is not null)
        {
            var publicUrl = app.Services.GetRequiredService<IOptions<HostingSettings>>().Value.PublicUrl;
            if (publicUrl is { Length: > 0 } && Uri.TryCreate(publicUrl, UriKind.Absolute, out var external))
            {
                // Behind a proxy that ends TLS, the callback URL GitHub sees must be the public one, not the one the app listens on.
                app.UseWhen(context => context.Request.Path.StartsWithSegments("/auth"), auth => auth.Use((context, next) =>
                {
                    context.Request.Scheme = external.Scheme;
                    context.Request.Host = new HostString(external.Authority);
                    return next(context);
                }));
            }

            app.UseAuthentication();
            app.MapGet("/auth/login", (string? returnUrl) =>
                Results.Challenge(new AuthenticationProperties { RedirectUri = LocalUrl(returnUrl) }, [GitHubScheme]))
                .ExcludeFromDescription();
            app.MapPost("/auth/logout", LogoutAsync).ExcludeFromDescription();
        }

        app.MapGet("/api/me", (HttpContext context, IActorProvider actors, Specs.SpecService specs) =>
        {
            var actor = actors.GetActor(context);
            return TypedResults.Ok(new MeResponse(actor is not null, specs.Store.Kind, actor?.Login, actor?.Name, actor?.Email));
        }).WithTags("Session").WithSummary("Who the API sees: the signed-in GitHub user, or the local store's author");
        return app;
    }

    private static async Task CreatingTicketAsync(OAuthCreatingTicketContext context)
    {
        var services = context.HttpContext.RequestServices;
        var identity = await services.GetRequiredService<GitHubUserLookup>().LookupAsync(context.AccessToken!, context.HttpContext.RequestAborted);
        services.GetRequiredService<AccessPolicy>().EnsureAllowed(identity);
        context.Identity!.AddClaims(identity.ToClaims());

        // Kept in the ticket's properties, which sliding renewals carry over (unlike IssuedUtc, which they reset).
        context.Properties.Items[SignedInAtKey] = services.GetRequiredService<TimeProvider>().GetUtcNow().ToString("O", System.Globalization.CultureInfo.InvariantCulture);
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(SignInRegistration));
        LogSignedIn(logger, identity.Login);
    }

    private static async Task<IResult> LogoutAsync(HttpContext context, IAntiforgery antiforgery)
    {
        try
        {
            await antiforgery.ValidateRequestAsync(context);
        }
        catch (AntiforgeryValidationException)
        {
            throw new BadRequestException("request.csrf", "The sign-out form expired; reload the page and sign out again.");
        }

        await context.SignOutAsync(SessionScheme);
        return Results.Redirect("/");
    }

    /// <summary>
    /// Only paths on this site: anything else could send a user elsewhere after signing in. Control characters are refused
    /// too, because browsers drop tabs and line breaks from a Location header: "/\t/evil.example" would become "//evil.example".
    /// </summary>
    private static string LocalUrl(string? url) =>
        url is { Length: > 0 } && url[0] == '/' && (url.Length == 1 || (url[1] != '/' && url[1] != '\\')) && !url.Any(char.IsControl) ? url : "/";

    private static async Task EndSessionsPastTheirMaximumAgeAsync(CookieValidatePrincipalContext context)
    {
        var now = context.HttpContext.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
        var signedInAt = context.Properties.Items.TryGetValue(SignedInAtKey, out var text)
            && DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.RoundtripKind, out var at)
                ? at
                : DateTimeOffset.MinValue;
        if (now - signedInAt > MaxSessionAge)
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(SessionScheme).ConfigureAwait(false);
        }
    }

    private static Task Refuse(RedirectContext<CookieAuthenticationOptions> context, int status)
    {
        context.Response.StatusCode = status;
        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Login} signed in with GitHub")]
    private static partial void LogSignedIn(ILogger logger, string login);
}

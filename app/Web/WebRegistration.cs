using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Options;
using SpecEditor.Hosting;
using SpecEditor.Web.Pages;

namespace SpecEditor.Web;

public static class WebRegistration
{
    /// <summary>Server-rendered pages (antiforgery on every form), the JSON API's serialisation and problem details, and the OpenAPI document.</summary>
    public static IHostApplicationBuilder AddWeb(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddAntiforgery(options =>
        {
            options.Cookie.Name = "spec-editor.csrf";
            options.Cookie.HttpOnly = true;
            options.Cookie.SameSite = SameSiteMode.Strict;
            options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        });
        services.AddProblemDetails();
        services.AddExceptionHandler<ApiProblems.ExceptionHandler>();
        services.ConfigureHttpJsonOptions(options =>
        {
            // Source-generated contracts only, never reflection: Native AOT has none, so a type no context declares fails
            // the same way in the JIT build and its tests as it would published.
            options.SerializerOptions.TypeInfoResolverChain.Clear();
            options.SerializerOptions.TypeInfoResolverChain.Add(ApiJsonContext.Default);
            options.SerializerOptions.TypeInfoResolverChain.Add(Automation.AutomationJsonContext.Default);

            // The contexts' camelCase enum converters apply to their own options only; these options need them too.
            foreach (var converter in ApiJsonContext.Default.Options.Converters)
            {
                options.SerializerOptions.Converters.Add(converter);
            }

            options.SerializerOptions.DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull;

            // Responses are JSON, never HTML: write "→" and "'" as they are instead of \u escapes.
            options.SerializerOptions.Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping;
        });
        services.AddOpenApi("v1", options => options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info = new() { Title = "Spec Editor API", Version = "v1", Description = "Read pods, preview edits as diffs and propose them as changes. Errors are application/problem+json with a stable 'code'." };
            return Task.CompletedTask;
        }));
        services.Configure<FormOptions>(options => options.ValueLengthLimit = 64 * 1024);
        return builder;
    }

    public static WebApplication UseWeb(this WebApplication app)
    {
        if (app.Services.GetRequiredService<IOptions<HostingSettings>>().Value.PublicUrl is { } publicUrl
            && publicUrl.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            // People reach the app over https through a proxy that ends TLS, so the app itself sees http. Treat requests as
            // https, so every cookie it sets (session, sign-in, the forms' antiforgery cookie) is Secure.
            app.Use((context, next) =>
            {
                context.Request.Scheme = Uri.UriSchemeHttps;
                return next(context);
            });
        }

        app.UseExceptionHandler("/error");
        app.UseWhen(ApiProblems.IsApiRequest, api => api.UseStatusCodePages(static context =>
        {
            var status = context.HttpContext.Response.StatusCode;
            var (code, detail) = status switch
            {
                StatusCodes.Status400BadRequest => ("request.invalid", "The request could not be read: send JSON that matches the API's OpenAPI document."),
                StatusCodes.Status404NotFound => ("http.not_found", "No such API endpoint."),
                StatusCodes.Status405MethodNotAllowed => ("http.method_not_allowed", "This endpoint does not take that HTTP method."),
                StatusCodes.Status413PayloadTooLarge => ("request.too_large", "The request body is larger than the server accepts (MAX_REQUEST_BYTES)."),
                StatusCodes.Status415UnsupportedMediaType => ("request.unsupported_media_type", "Send the body as application/json."),
                _ => ($"http.{status}", ReasonPhrases.GetReasonPhrase(status)),
            };
            return ApiProblems.WriteAsync(context.HttpContext, ApiProblems.Create(status, code, detail));
        }));
        app.UseWhen(context => !ApiProblems.IsApiRequest(context), pages => pages.UseStatusCodePagesWithReExecute("/error", "?status={0}"));
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = new ManifestEmbeddedFileProvider(typeof(WebRegistration).Assembly, "Web/wwwroot"),
            RequestPath = "/static",
            OnPrepareResponse = file => file.Context.Response.Headers.CacheControl = "public, max-age=3600",
        });
        app.Use(static (context, next) =>
        {
            var headers = context.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "same-origin";
            if (!context.Request.Path.StartsWithSegments("/api"))
            {
                headers.ContentSecurityPolicy = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'";
            }

            return next(context);
        });

        app.UseRequestOriginGuard();

        // Explicit routing after the error handlers, so their re-executed requests are routed again.
        app.UseRouting();
        return app;
    }

    public static WebApplication MapWebPages(this WebApplication app)
    {
        app.MapPages();
        app.MapOpenApi("/openapi/{documentName}.json");
        return app;
    }
}

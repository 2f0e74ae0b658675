using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Html;

namespace SpecEditor.Web;

/// <summary>Antiforgery for the pages' forms: the token field they render, and the check of every form post.</summary>
public static class FormTokens
{
    /// <summary>
    /// The hidden token field, for every form that posts. It is the field MVC's form tag helper wrote, so the name
    /// (<c>__RequestVerificationToken</c>) and markup stay as they were; the matching cookie and the no-cache headers are set
    /// on first use, as then, which pages can do because they are rendered before the response starts (HtmlPage).
    /// </summary>
    public static HtmlString Field(HttpContext context)
    {
        var tokens = context.RequestServices.GetRequiredService<IAntiforgery>().GetAndStoreTokens(context);
        var encoder = HtmlEncoder.Default;
        return new HtmlString($"<input name=\"{encoder.Encode(tokens.FormFieldName)}\" type=\"hidden\" value=\"{encoder.Encode(tokens.RequestToken ?? "")}\" />");
    }

    /// <summary>
    /// Checks the token of every post to an endpoint that binds a form (every page's form post does), and refuses a missing
    /// or wrong one with 400, which the status code pages turn into the friendly error page. The antiforgery middleware
    /// only records its verdict; the build-time request delegates then throw when they read the form, which would be a 500.
    /// Goes after sign-in: a signed-in user's token is bound to that user.
    /// </summary>
    public static WebApplication UseFormTokens(this WebApplication app)
    {
        app.UseAntiforgery();
        app.Use(static (context, next) =>
        {
            // The endpoint's own metadata, not just the verdict: a refused post re-executed as the error page keeps the verdict.
            if (context.GetEndpoint()?.Metadata.GetMetadata<IAntiforgeryMetadata>() is { RequiresValidation: true }
                && context.Features.Get<IAntiforgeryValidationFeature>() is { IsValid: false })
            {
                context.Response.StatusCode = StatusCodes.Status400BadRequest;
                return Task.CompletedTask;
            }

            return next(context);
        });
        return app;
    }
}

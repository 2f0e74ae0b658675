using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.WebUtilities;
using SpecEditor.Hosting;

namespace SpecEditor.Web.Pages;

/// <summary>The friendly error page: what went wrong in words, never a stack trace.</summary>
public sealed record ErrorPage(int Status, string Heading, string Message, string? Code)
{
    /// <summary>
    /// Describes the failure of the request being re-executed: the exception the exception handler caught, or else the
    /// status code the status code pages pass in the query.
    /// </summary>
    public static ErrorPage Describe(HttpContext context, string? statusQuery)
    {
        var error = context.Features.Get<IExceptionHandlerFeature>()?.Error;
        int status;
        string? code = null;
        string message;
        if (error is AppException known)
        {
            status = known.StatusCode;
            code = known.Code;
            message = known.Message;
        }
        else if (error is BadHttpRequestException { StatusCode: 413 })
        {
            status = 413;
            code = "request.too_large";
            message = "What you sent is larger than the server accepts.";
        }
        else
        {
            // An unreadable status reads as none, as model binding did.
            status = error is null && int.TryParse(statusQuery, out var requested) ? requested : 500;
            message = status switch
            {
                404 => "There is nothing at this address. The pod or change may have been removed, or the link is mistyped.",
                400 => "The request could not be understood. If you were submitting a form, reload the page and try again.",
                405 => "That action is not possible here.",
                >= 500 => "Something went wrong on the server. It has been logged; try again in a moment.",
                _ => ReasonPhrases.GetReasonPhrase(status),
            };
        }

        return new ErrorPage(status, ReasonPhrases.GetReasonPhrase(status), message, code);
    }
}

using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.WebUtilities;
using SpecEditor.Hosting;

namespace SpecEditor.Web.Pages;

/// <summary>The friendly error page: what went wrong in words, never a stack trace.</summary>
[IgnoreAntiforgeryToken]
public sealed class ErrorModel : PageModel
{
    public int Status { get; private set; }

    public string Heading { get; private set; } = "";

    public string Message { get; private set; } = "";

    public string? Code { get; private set; }

    public void OnGet(int? status) => Describe(status);

    public void OnPost(int? status) => Describe(status);

    private void Describe(int? status)
    {
        var error = HttpContext.Features.Get<IExceptionHandlerFeature>()?.Error;
        if (error is AppException known)
        {
            Status = known.StatusCode;
            Code = known.Code;
            Message = known.Message;
        }
        else if (error is BadHttpRequestException { StatusCode: 413 })
        {
            Status = 413;
            Code = "request.too_large";
            Message = "What you sent is larger than the server accepts.";
        }
        else
        {
            Status = error is null ? status ?? 500 : 500;
            Message = Status switch
            {
                404 => "There is nothing at this address. The pod or change may have been removed, or the link is mistyped.",
                400 => "The request could not be understood. If you were submitting a form, reload the page and try again.",
                405 => "That action is not possible here.",
                >= 500 => "Something went wrong on the server. It has been logged; try again in a moment.",
                _ => ReasonPhrases.GetReasonPhrase(Status),
            };
        }

        Heading = ReasonPhrases.GetReasonPhrase(Status);
        Response.StatusCode = Status;
    }
}

using Microsoft.AspNetCore.Mvc;

namespace SpecEditor.Specs.GitHub;

/// <summary>The pod page's GitHub panel. Renders nothing with the local store, whose changes are reviewed in the app.</summary>
public sealed class ChangeStatusViewComponent(IServiceProvider services) : ViewComponent
{
    public async Task<IViewComponentResult> InvokeAsync(PodId pod)
    {
        if (services.GetService<ChangeStatusService>() is not { } status)
        {
            return Content(string.Empty);
        }

        var view = await status.GetAsync(pod, HttpContext.RequestAborted);
        return View("/Specs/GitHub/Status/ChangeStatus.cshtml", view);
    }
}

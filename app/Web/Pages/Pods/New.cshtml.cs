using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using SpecEditor.Specs;
using SpecEditor.Specs.Schema;

namespace SpecEditor.Web.Pages.Pods;

/// <summary>Create a pod: names, the schema's fields with their defaults, a preview of the new file, then a change.</summary>
public sealed class NewModel(SpecService specs, IActorProvider actors) : PageModel
{
    public IReadOnlyList<FieldView> Fields { get; private set; } = [];

    public IReadOnlyList<string> Environments => specs.Paths.Environments;

    public IReadOnlyDictionary<string, string?>? Posted { get; private set; }

    public ChangePreview? Preview { get; private set; }

    public IReadOnlyList<ValidationError> Errors { get; private set; } = [];

    public string? Problem { get; private set; }

    public ChangeRequest? Duplicate { get; private set; }

    [BindProperty]
    public string? Customer { get; set; }

    [BindProperty]
    public string? Environment { get; set; }

    [BindProperty]
    public string? Message { get; set; }

    public async Task OnGetAsync(CancellationToken cancellationToken) =>
        Fields = await specs.GetNewPodFieldsAsync(cancellationToken);

    public async Task<IActionResult> OnPostPreviewAsync(CancellationToken cancellationToken)
    {
        Fields = await specs.GetNewPodFieldsAsync(cancellationToken);
        Posted = FormValues.Read(Request.Form);
        await TryAsync(async () => Preview = await specs.PreviewCreateAsync(Customer, Environment, Posted, cancellationToken));
        return Page();
    }

    public async Task<IActionResult> OnPostSubmitAsync(CancellationToken cancellationToken)
    {
        Fields = await specs.GetNewPodFieldsAsync(cancellationToken);
        Posted = FormValues.Read(Request.Form);
        ChangeRequest? change = null;
        await TryAsync(async () => change = await specs.SubmitCreateAsync(Customer, Environment, Posted, Message, actors.RequireWriter(HttpContext), cancellationToken));
        return change is null ? Page() : Redirect($"/changes/{change.Id}/submitted");
    }

    public FieldInput Input(FieldView view) => new(
        view,
        Posted is not null && Posted.TryGetValue(view.Field.DottedPath, out var posted) ? posted : view.Value,
        Errors.Where(e => e.Path == view.Field.DottedPath).ToArray());

    private async Task TryAsync(Func<Task> action)
    {
        try
        {
            await action();
        }
        catch (InvalidSpecException ex)
        {
            Errors = ex.Errors;
        }
        catch (InvalidPodNameException ex)
        {
            Errors = ex.Errors;
        }
        catch (PodExistsException ex)
        {
            Problem = ex.Message;
        }
        catch (DuplicateChangeException ex)
        {
            Duplicate = ex.Existing;
        }
    }
}

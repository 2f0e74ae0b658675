using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using SpecEditor.Specs;
using SpecEditor.Specs.Schema;

namespace SpecEditor.Web.Pages.Pods;

/// <summary>A pod: its form (from the schema), a diff preview before submit, its history and its open change.</summary>
public sealed class PodModel(SpecService specs, IActorProvider actors) : PageModel
{
    public PodDetail Pod { get; private set; } = null!;

    public IReadOnlyList<HistoryEntry> History { get; private set; } = [];

    /// <summary>
    /// The fields the user changed (null before a post). Only these are edits; they are shown again after a preview or a
    /// refused submit, on top of the file as it is now, and the preview's submit form carries only them.
    /// </summary>
    public IReadOnlyDictionary<string, string?>? Edits { get; private set; }

    public ChangePreview? Preview { get; private set; }

    public IReadOnlyList<ValidationError> Errors { get; private set; } = [];

    public SpecConflictException? Conflict { get; private set; }

    public ChangeRequest? Duplicate { get; private set; }

    public string? Notice { get; private set; }

    [BindProperty]
    public string? Version { get; set; }

    [BindProperty]
    public string? Message { get; set; }

    public async Task<IActionResult> OnGetAsync(string customer, string environment, CancellationToken cancellationToken)
    {
        return await LoadAsync(customer, environment, cancellationToken) ? Page() : NotFound();
    }

    public async Task<IActionResult> OnPostPreviewAsync(string customer, string environment, CancellationToken cancellationToken)
    {
        if (!await LoadAsync(customer, environment, cancellationToken))
        {
            return NotFound();
        }

        Edits = FormValues.ReadChanged(Request.Form);
        await TryAsync(async () => Preview = await specs.PreviewEditAsync(Pod.Pod, Version ?? string.Empty, Edits, cancellationToken));
        return Page();
    }

    public async Task<IActionResult> OnPostSubmitAsync(string customer, string environment, CancellationToken cancellationToken)
    {
        if (!await LoadAsync(customer, environment, cancellationToken))
        {
            return NotFound();
        }

        Edits = FormValues.ReadChanged(Request.Form);
        ChangeRequest? change = null;
        await TryAsync(async () => change = await specs.SubmitEditAsync(Pod.Pod, Version ?? string.Empty, Edits, Message, actors.RequireWriter(HttpContext), cancellationToken));
        return change is null ? Page() : Redirect($"/changes/{change.Id}/submitted");
    }

    /// <summary>
    /// A field of the edit form: the user's change if they made one, otherwise the file's value as it is now. The original is
    /// always the file as it is now, so after a conflict the form holds the user's changes on top of the latest version and
    /// posting it again never turns someone else's newer value back into the stale one.
    /// </summary>
    public FieldInput Input(FieldView view) => new(
        view,
        Edits is not null && Edits.TryGetValue(view.Field.DottedPath, out var edited) ? edited : view.Value,
        Edits is null ? view.Errors : Errors.Where(e => e.Path == view.Field.DottedPath).ToArray(),
        FormValues.Untouched(view.Field, view.Value));

    private async Task<bool> LoadAsync(string customer, string environment, CancellationToken cancellationToken)
    {
        if (!specs.Paths.TryCreate(customer, environment, out var pod))
        {
            return false;
        }

        try
        {
            Pod = await specs.GetPodAsync(pod, cancellationToken);
        }
        catch (PodNotFoundException)
        {
            return false;
        }

        History = await specs.GetHistoryAsync(pod, cancellationToken);
        return true;
    }

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
        catch (SpecConflictException ex)
        {
            Conflict = ex;
            Version = Pod.Version;
        }
        catch (DuplicateChangeException ex)
        {
            Duplicate = ex.Existing;
        }
        catch (NoChangesException ex)
        {
            Notice = ex.Message;
        }
        catch (UnreadableSpecException ex)
        {
            Notice = ex.Message;
        }
    }
}

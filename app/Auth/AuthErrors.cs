using SpecEditor.Hosting;
using static Microsoft.AspNetCore.Http.StatusCodes;

namespace SpecEditor.Auth;

/// <summary>The user is not in the organisations or teams allowed to use the app.</summary>
public sealed class SignInDeniedException(string login, string rule)
    : AppException("auth.not_allowed", Status403Forbidden, $"{login} may not use this spec editor: only members of {rule} may sign in.");

/// <summary>The GitHub sign-in did not complete (state check failed, access denied, code refused).</summary>
public sealed class SignInFailedException(string reason)
    : AppException("auth.sign_in_failed", Status400BadRequest, $"Sign-in with GitHub did not complete: {reason} Try again from the start.");

/// <summary>The pod's environment is protected and the user is not one of those who may change it.</summary>
public sealed class EnvironmentProtectedException(string login, string environment, string allowed)
    : AppException("auth.environment_protected", Status403Forbidden, $"Pods in {environment} are protected: only {allowed} may change them, and you are signed in as {login}. Nothing was saved.");

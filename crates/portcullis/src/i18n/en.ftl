# English (the reference: Flask-Security's texts, which SPAs match on).

API_ERROR = Input not appropriate for requested API
GENERIC_AUTHN_FAILED = Authentication failed - identity or password/passcode invalid
UNAUTHORIZED = You do not have permission to view this resource.
UNAUTHENTICATED = You must sign in to view this resource.
REAUTHENTICATION_REQUIRED = You must reauthenticate to access this endpoint
ANONYMOUS_USER_REQUIRED = You can only access this endpoint when not logged in.
CONFIRM_REGISTRATION = Thank you. To confirm your email address { $email }, please click on the link in the email we have just sent to you.
EMAIL_CONFIRMED = Thank you. Your email has been confirmed.
ALREADY_CONFIRMED = Your email has already been confirmed.
INVALID_CONFIRMATION_TOKEN = Invalid confirmation token.
EMAIL_ALREADY_ASSOCIATED = { $email } is already associated with an account.
USERNAME_ALREADY_ASSOCIATED = { $username } is already associated with an account.
IDENTITY_ALREADY_ASSOCIATED = Identity attribute '{ $attr }' with value '{ $value }' is already associated with an account.
RETYPE_PASSWORD_MISMATCH = Passwords do not match
INVALID_REDIRECT = Redirections outside the domain are forbidden
INVALID_RECOVERY_CODE = Recovery code invalid
NO_RECOVERY_CODES_SETUP = No recovery codes generated yet
PASSWORD_RESET_REQUEST = Instructions to reset your password have been sent.
PASSWORD_RESET_EXPIRED = You did not reset your password within { $within }.
INVALID_RESET_PASSWORD_TOKEN = Invalid reset password token.
CONFIRMATION_REQUIRED = Email requires confirmation.
CONFIRMATION_REQUEST = Confirmation instructions have been sent.
CONFIRMATION_EXPIRED = You did not confirm your email within { $within }.
DISABLED_ACCOUNT = Account is disabled.
EMAIL_NOT_PROVIDED = Email not provided
INVALID_EMAIL_ADDRESS = Invalid email address
INVALID_CODE = Invalid code
PASSWORD_NOT_PROVIDED = Password not provided
PASSWORD_INVALID_LENGTH = Password must be at least { $length } characters
PASSWORD_TOO_LONG = Password must be no more than { $length } characters
PASSWORD_TOO_SIMPLE = Password not complex enough
PASSWORD_COMPLEXITY_FEEDBACK = { $feedback }
PASSWORD_IS_IDENTITY = Password must not be the same as your email or username
PASSWORD_BREACHED = Password on breached list
PASSWORD_BREACHED_SITE_ERROR = Failed to contact breached passwords site
PHONE_INVALID = Phone number not valid e.g. missing country code
USER_DOES_NOT_EXIST = Specified user does not exist
INVALID_PASSWORD = Invalid password
INVALID_PASSWORD_CODE = Password or code submitted is not valid
PASSWORDLESS_LOGIN_SUCCESSFUL = You have successfully logged in.
PASSWORD_RESET = You successfully reset your password and you have been logged in automatically.
PASSWORD_RESET_NO_LOGIN = You successfully reset your password. Please authenticate using your new password.
PASSWORD_IS_THE_SAME = Your new password must be different than your previous password.
PASSWORD_CHANGE = You successfully changed your password.
LOGIN = Please log in to access this page.
REFRESH = Please reauthenticate to access this page.
REAUTHENTICATION_SUCCESSFUL = Reauthentication successful
CODE_HAS_BEEN_SENT = Code has been sent.
FAILED_TO_SEND_CODE = Failed to send code. Please try again later
TWO_FACTOR_LOGIN_SUCCESSFUL = Your code has been confirmed
TWO_FACTOR_CHANGE_METHOD_SUCCESSFUL = You successfully changed your two-factor method.
TWO_FACTOR_METHOD_NOT_AVAILABLE = Marked method is not valid
TWO_FACTOR_DISABLED = You successfully disabled two factor authorization.
TWO_FACTOR_SETUP_EXPIRED = Setup must be completed within { $within }. Please start over.
US_METHOD_NOT_AVAILABLE = Requested method is not valid
US_SETUP_EXPIRED = Setup must be completed within { $within }. Please start over.
US_SETUP_SUCCESSFUL = Unified sign in setup successful
US_SPECIFY_IDENTITY = You must specify a valid identity to sign in
USERNAME_INVALID_LENGTH = Username must be at least { $min } characters and less than { $max } characters
USERNAME_ILLEGAL_CHARACTERS = Username contains illegal characters
USERNAME_NOT_PROVIDED = Username not provided
CHANGE_EMAIL_EXPIRED = Your confirmation link for your new email address has expired. Please request a new one.
CHANGE_EMAIL_CONFIRMED = Change of email address confirmed
CHANGE_EMAIL_SENT = Instructions to confirm your new email address have been sent.
CSRF_MISSING = The CSRF token is missing.
CSRF_INVALID = The CSRF token is invalid.
CSRF_EXPIRED = The CSRF token has expired.
CSRF_SESSION_MISSING = The CSRF session token is missing.
NOT_A_VALID_CHOICE = Not a valid choice.
ACCOUNT_LOCKED = Account locked after too many failed sign-ins. Try again in { $minutes ->
    [one] { $minutes } minute
   *[other] { $minutes } minutes
}.
RATE_LIMITED = Too many failed sign-in attempts. Please try again later.
CODE_ALREADY_USED = This code has already been used. Request a new one.
CODE_NOT_PROVIDED = Code not provided
TWO_FACTOR_NO_STATE = Two-factor sign-in has not been started or has expired. Please sign in again.
TWO_FACTOR_RESCUE_SENT = The code for authentication was sent to your email address
TWO_FACTOR_HELP_SENT = A mail was sent to us in order to reset your application account
NO_PASSWORD_TO_CHANGE = This account has no password. Use the password reset to set one.
US_CODE_SENT = A code to sign in has been sent.
MAIL_FAILED = The email could not be sent. Please try again later.
USERNAME_RECOVERY_REQUEST = An email with your username has been sent.
USERNAME_IS_THE_SAME = The new username is the same as the current one.
USERNAME_NOT_ENABLED = Usernames are not enabled.
REQUEST_BODY_UNREADABLE = Request body too large or unreadable.
REQUEST_BODY_TOO_LARGE = Request body too large.
IDENTITY_NOT_FORWARDABLE = Identity cannot be forwarded.
AUTH_NOT_CONFIGURED = Authentication is not configured on this route.
SERVICE_UNAVAILABLE = The service is temporarily unavailable. Please try again later.
INTERNAL_ERROR = Something went wrong. Please try again later.
NOT_FOUND = The requested URL was not found on the server.
METHOD_NOT_ALLOWED = The method is not allowed for the requested URL.
UNSUPPORTED_MEDIA_TYPE = Send the body as application/json or application/x-www-form-urlencoded.
HEADERS_TOO_LARGE = Request headers too large.
REQUEST_TIMEOUT = The request took too long. Please try again later.
EMAIL_DOMAIN_NOT_FOUND = The domain name { $domain } does not exist.
EMAIL_DOMAIN_NO_MAIL = The domain name { $domain } does not accept email.
WEBAUTHN_EXPIRED = Passkey operations must be completed within { $within }. Please start over.
WEBAUTHN_NAME_REQUIRED = Nickname for new passkey is required.
WEBAUTHN_NAME_INUSE = { $name } is already associated with a passkey.
WEBAUTHN_NAME_NOT_FOUND = { $name } not registered with current user.
WEBAUTHN_CREDENTIAL_DELETED = Successfully deleted the passkey with name: { $name }
WEBAUTHN_REGISTER_SUCCESSFUL = Successfully added the passkey with name: { $name }
WEBAUTHN_CREDENTIAL_ID_INUSE = Passkey already registered.
WEBAUTHN_UNKNOWN_CREDENTIAL_ID = Unregistered passkey.
WEBAUTHN_NO_VERIFY = Could not verify passkey: { $cause }.
WEBAUTHN_CREDENTIAL_WRONG_USAGE = Passkey not registered for this use (first or secondary)
WEBAUTHN_MISMATCH_USER_HANDLE = Credential user handle didn't match
WEBAUTHN_NAME_INVALID = Passkey names may use letters, digits, spaces, dashes and underscores, up to { $max } characters.
WEBAUTHN_LAST_CREDENTIAL = This is your only way to sign in. Add a password or another passkey before deleting it.
WEBAUTHN_RENAMED = The passkey is now called { $name }.

## Pages: titles, labels, links (ids of our own; Flask-Security's templates have none).

title-change-email = Change email address
title-sign-in = Sign in
title-us-setup = Sign-in methods
title-us-verify = Confirm it is you
title-sign-out = Sign out
title-recover-username = Recover your username
title-change-username = Change username
title-account = Your account
title-register = Register
title-send-confirmation = Resend confirmation instructions
title-email-confirmation = Email confirmation
title-two-factor = Two-factor authentication
title-two-factor-setup = Two-factor setup
title-two-factor-select = Choose a second factor
title-two-factor-rescue = Trouble signing in?
title-recovery-codes = Recovery codes
title-use-recovery-code = Use a recovery code
title-verify = Verify your identity
title-forgot-password = Reset your password
title-reset-password = Choose a new password
title-password-reset = Password reset
title-change-password = Change password
page-skip-to-content = Skip to content
page-home = Home
page-nav-label = Account
page-sign-in = Sign in
page-sign-out = Sign out
page-create-account = Create an account
page-forgot-password = Forgot your password?
page-resend-confirmation = Resend confirmation instructions
page-sign-in-with-code = Sign in with a code
page-forgot-username = Forgot your username?
field-email = Email
field-username = Username
field-password = Password
field-remember = Remember me

## Pages: shared strings.

page-continue = Continue
page-verify = Verify
page-enter-sent-code = Enter the code we sent you.
page-authr-scan = Scan this QR code with your authenticator app, then enter the code it shows.
page-authr-qr-alt = QR code for your authenticator app
page-authr-cannot-scan = Cannot scan the code? Enter this key in your app instead:
page-authr-open-app = Open in your authenticator app

## Form fields.

field-password-confirm = Retype password
field-current-password = Current password
field-new-password = New password
field-new-password-confirm = Retype new password
field-new-email = New email address
field-new-username = New username
field-code = Authentication code
field-recovery-code = Recovery code
field-phone = Phone number (for SMS)
field-phone-hint = Include the country code, for example +44 20 7946 0958.
field-identity = Email, username or phone
field-passcode = Password or code

## Second factors and sign-in methods.

method-authenticator = Authenticator app
method-email = Email
method-sms = Text message (SMS)
method-password = Password

## register.html

register-submit = Register

## change.html

change-submit = Change password
change-set-submit = Set password

## verify.html

verify-intro = Please enter your password again to continue.

## logout.html

logout-intro = Do you want to sign out?

## account.html

account-signed-in-as = Signed in as
account-roles = Roles: { $roles }
account-change-password = Change password
account-set-password = Set a password
account-change-email = Change email address
account-change-username = Change username
account-two-factor = Two-factor authentication
account-two-factor-on = Two-factor authentication: { $method }
account-recovery-codes = Recovery codes
account-sign-in-methods = Sign-in methods

## send_confirmation.html

send-confirmation-intro = Enter your email address and we will send you a new confirmation link.
send-confirmation-submit = Resend confirmation instructions

## forgot_password.html

forgot-password-intro = Enter your email address and we will send you a link to reset your password.
forgot-password-submit = Send reset instructions

## reset_password.html

reset-password-submit = Reset password

## change_email.html

change-email-current = Your current email address is { $email }.
change-email-submit = Change email address

## recover_username.html

recover-username-intro = Enter your email address and we will send you your username.
recover-username-submit = Send my username

## change_username.html

change-username-current = Your current username is { $username }.
change-username-submit = Change username

## tf_validate.html

tf-validate-intro = Enter the authentication code to finish signing in.
tf-validate-rescue = Trouble signing in?

## tf_setup.html

tf-setup-legend = Second factor
tf-setup-disable = Turn off two-factor authentication

## tf_select.html

tf-select-legend = Choose how to confirm it is you

## tf_rescue.html

tf-rescue-legend = What would you like to do?
tf-rescue-email = Send a code to my email address
tf-rescue-recovery-code = Use a recovery code
tf-rescue-help = Ask for help

## mf_recovery_codes.html, mf_recovery.html

mf-recovery-codes-intro = Recovery codes let you sign in when you cannot use your second factor. New codes replace any you made before.
mf-recovery-codes-keep = Keep these codes somewhere safe. Each code works only once.
mf-recovery-codes-submit = Make new recovery codes
mf-recovery-intro = Enter one of the recovery codes you saved.

## us_signin.html, us_verify.html, us_setup.html

us-signin-get-code = No password? Get a one-time code instead:
us-signin-send-email = Email me a code
us-signin-send-sms = Text me a code
us-verify-intro = Enter your password or a code to confirm it is you.
us-verify-submit = Confirm
us-setup-active = Active methods:
us-setup-legend = Set up a sign-in method

## Mails: subjects (mail-subject-<template>).

mail-subject-welcome = Welcome
mail-subject-welcome_existing = Welcome
mail-subject-welcome_existing_username = Welcome
mail-subject-confirmation_instructions = Please confirm your email
mail-subject-reset_instructions = Password reset instructions
mail-subject-reset_notice = Your password has been reset
mail-subject-change_notice = Your password has been changed
mail-subject-change_username_notice = Your username has been changed
mail-subject-username_recovery = Your requested username
mail-subject-change_email_instructions = Confirm your new email address
mail-subject-two_factor_instructions = Two-Factor Login
mail-subject-two_factor_rescue = Two-Factor Rescue
mail-subject-us_instructions = Verification Code

## Mails: shared strings.

mail-hello = Hello { $email },
mail-ignore = If this was not you, you can ignore this message.
mail-link-expires = This link will expire in { $within }.
mail-code-intro = Your code to sign in is:
mail-code-expires = This code will expire in { $within }.

## mail/welcome

mail-welcome-greeting = Welcome { $email }!
mail-welcome-confirm = Please confirm your email address:
mail-welcome-confirm-link = confirm my account

## mail/welcome_existing

mail-welcome-existing-body = Someone (possibly you) tried to register an account with this email address, but you already have one.
mail-welcome-existing-forgot = If you forgot your password, you can reset it here:
mail-welcome-existing-reset = Reset my password

## mail/welcome_existing_username

mail-welcome-existing-username-body = Someone (possibly you) tried to register an account with the username “{ $username }”, which is already yours.

## mail/confirmation_instructions

mail-confirmation-instructions-intro = Please confirm your email address through the link below:
mail-confirmation-instructions-link = Confirm my account

## mail/reset_instructions

mail-reset-instructions-intro = To reset your password, use the link below:
mail-reset-instructions-link = Reset my password

## mail/reset_notice

mail-reset-notice-body = Your password has been reset.

## mail/change_notice

mail-change-notice-body = Your password has been changed.
mail-change-notice-not-you = If you did not change your password, reset it now:
mail-change-notice-reset = Reset my password

## mail/change_username_notice

mail-change-username-notice-body = Your username has been changed to { $username }.
mail-change-username-notice-not-you = If you did not make this change, contact us and reset your password.

## mail/username_recovery

mail-username-recovery-intro = Your username is:

## mail/change_email_instructions

mail-change-email-instructions-intro = To confirm your new email address, use the link below:
mail-change-email-instructions-link = Confirm my new email address
mail-change-email-instructions-current = Your currently registered email is { $email }.

## mail/two_factor_rescue

mail-two-factor-rescue-body = { $email } cannot sign in: they lost access to their second factor and asked for help.

## mail/us_instructions

mail-us-instructions-or-link = Or sign in with this link:
mail-us-instructions-sign-in = Sign in
mail-us-instructions-expires = This code and link will expire in { $within }.

## Durations ("2 days", "1 hour and 30 minutes"): $rest is a comma-separated list.

duration-day = { $n ->
    [one] { $n } day
   *[other] { $n } days
}
duration-hour = { $n ->
    [one] { $n } hour
   *[other] { $n } hours
}
duration-minute = { $n ->
    [one] { $n } minute
   *[other] { $n } minutes
}
duration-second = { $n ->
    [one] { $n } second
   *[other] { $n } seconds
}
duration-list = { $rest } and { $last }

## Passkeys and security keys (WebAuthn).

title-passkeys = Passkeys and security keys
title-passkey-sign-in = Sign in with a passkey
title-passkey-verify = Confirm it is you with a passkey
wan-registered = Your passkeys and security keys
wan-name = Name
wan-usage = Use
wan-last-used = Last used
wan-actions = Actions
wan-synced = synced
wan-usage-first = Passkey: sign in without a password
wan-usage-secondary = Security key: second step after the password
wan-delete = Delete
wan-delete-named = Delete { $name }
wan-none = You have no passkeys or security keys yet.
wan-add = Add a passkey or security key
wan-add-submit = Add
wan-identity-hint = Optional: your email or username, if your passkey is not offered by itself.
wan-signin-submit = Sign in with a passkey
wan-verify-intro = Use one of your passkeys or security keys to confirm it is you.
wan-verify-submit = Use a passkey
wan-ceremony-wait = Follow your browser's prompt to use your passkey or security key.
wan-ceremony-failed = The passkey was not used (cancelled, timed out or not available).
wan-ceremony-retry = Try again
account-passkeys = Passkeys and security keys
wan-secondary-intro = Use your security key to finish signing in.
method-webauthn = Security key
wan-created = Added
wan-device = Device
wan-device-single = This device only
wan-device-multi = Can sync between devices
wan-rename = Rename
wan-rename-named = Rename { $name }
wan-new-name = New name

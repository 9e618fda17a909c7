# Deutsch.

API_ERROR = Eingabe für diese Schnittstelle nicht geeignet
GENERIC_AUTHN_FAILED = Anmeldung fehlgeschlagen – Kennung oder Passwort/Code ungültig
UNAUTHORIZED = Sie haben keine Berechtigung, diese Seite anzusehen.
UNAUTHENTICATED = Bitte melden Sie sich an, um diese Seite zu sehen.
REAUTHENTICATION_REQUIRED = Bitte bestätigen Sie Ihre Identität erneut, um fortzufahren
ANONYMOUS_USER_REQUIRED = Diese Seite ist nur ohne Anmeldung erreichbar.
CONFIRM_REGISTRATION = Vielen Dank. Um Ihre E-Mail-Adresse { $email } zu bestätigen, klicken Sie bitte auf den Link in der E-Mail, die wir Ihnen gerade geschickt haben.
EMAIL_CONFIRMED = Vielen Dank. Ihre E-Mail-Adresse wurde bestätigt.
ALREADY_CONFIRMED = Ihre E-Mail-Adresse wurde bereits bestätigt.
INVALID_CONFIRMATION_TOKEN = Ungültiger Bestätigungslink.
EMAIL_ALREADY_ASSOCIATED = { $email } gehört bereits zu einem Konto.
USERNAME_ALREADY_ASSOCIATED = { $username } gehört bereits zu einem Konto.
IDENTITY_ALREADY_ASSOCIATED = Das Merkmal „{ $attr }“ mit dem Wert „{ $value }“ gehört bereits zu einem Konto.
RETYPE_PASSWORD_MISMATCH = Die Passwörter stimmen nicht überein
INVALID_REDIRECT = Weiterleitungen auf andere Domains sind nicht erlaubt
INVALID_RECOVERY_CODE = Ungültiger Wiederherstellungscode
NO_RECOVERY_CODES_SETUP = Noch keine Wiederherstellungscodes erzeugt
PASSWORD_RESET_REQUEST = Eine Anleitung zum Zurücksetzen Ihres Passworts wurde verschickt.
PASSWORD_RESET_EXPIRED = Sie haben Ihr Passwort nicht innerhalb von { $within } zurückgesetzt.
INVALID_RESET_PASSWORD_TOKEN = Ungültiger Link zum Zurücksetzen des Passworts.
CONFIRMATION_REQUIRED = Die E-Mail-Adresse muss bestätigt werden.
CONFIRMATION_REQUEST = Eine Anleitung zur Bestätigung wurde verschickt.
CONFIRMATION_EXPIRED = Sie haben Ihre E-Mail-Adresse nicht innerhalb von { $within } bestätigt.
DISABLED_ACCOUNT = Das Konto ist deaktiviert.
EMAIL_NOT_PROVIDED = Keine E-Mail-Adresse angegeben
INVALID_EMAIL_ADDRESS = Ungültige E-Mail-Adresse
INVALID_CODE = Ungültiger Code
PASSWORD_NOT_PROVIDED = Kein Passwort angegeben
PASSWORD_INVALID_LENGTH = Das Passwort muss mindestens { $length } Zeichen lang sein
PASSWORD_TOO_LONG = Das Passwort darf höchstens { $length } Zeichen lang sein
PASSWORD_TOO_SIMPLE = Das Passwort ist nicht komplex genug
PASSWORD_COMPLEXITY_FEEDBACK = { $feedback }
PASSWORD_IS_IDENTITY = Das Passwort darf nicht Ihre E-Mail-Adresse oder Ihr Benutzername sein
PASSWORD_BREACHED = Das Passwort steht auf einer Liste gestohlener Passwörter
PASSWORD_BREACHED_SITE_ERROR = Der Dienst für gestohlene Passwörter ist nicht erreichbar
PHONE_INVALID = Ungültige Telefonnummer, z. B. fehlt die Landesvorwahl
USER_DOES_NOT_EXIST = Dieser Benutzer existiert nicht
INVALID_PASSWORD = Falsches Passwort
INVALID_PASSWORD_CODE = Passwort oder Code ist ungültig
PASSWORDLESS_LOGIN_SUCCESSFUL = Sie haben sich erfolgreich angemeldet.
PASSWORD_RESET = Sie haben Ihr Passwort zurückgesetzt und wurden automatisch angemeldet.
PASSWORD_RESET_NO_LOGIN = Sie haben Ihr Passwort zurückgesetzt. Bitte melden Sie sich mit dem neuen Passwort an.
PASSWORD_IS_THE_SAME = Das neue Passwort muss sich vom bisherigen unterscheiden.
PASSWORD_CHANGE = Sie haben Ihr Passwort geändert.
LOGIN = Bitte melden Sie sich an, um diese Seite zu sehen.
REFRESH = Bitte bestätigen Sie Ihre Identität erneut, um diese Seite zu sehen.
REAUTHENTICATION_SUCCESSFUL = Identität bestätigt
CODE_HAS_BEEN_SENT = Der Code wurde verschickt.
FAILED_TO_SEND_CODE = Der Code konnte nicht verschickt werden. Bitte versuchen Sie es später erneut
TWO_FACTOR_LOGIN_SUCCESSFUL = Ihr Code wurde bestätigt
TWO_FACTOR_CHANGE_METHOD_SUCCESSFUL = Sie haben Ihre Zwei-Faktor-Methode geändert.
TWO_FACTOR_METHOD_NOT_AVAILABLE = Die gewählte Methode ist ungültig
TWO_FACTOR_DISABLED = Sie haben die Zwei-Faktor-Anmeldung ausgeschaltet.
TWO_FACTOR_SETUP_EXPIRED = Die Einrichtung muss innerhalb von { $within } abgeschlossen werden. Bitte beginnen Sie von vorn.
US_METHOD_NOT_AVAILABLE = Die gewählte Methode ist ungültig
US_SETUP_EXPIRED = Die Einrichtung muss innerhalb von { $within } abgeschlossen werden. Bitte beginnen Sie von vorn.
US_SETUP_SUCCESSFUL = Die Anmeldemethode wurde eingerichtet
US_SPECIFY_IDENTITY = Bitte geben Sie eine gültige Kennung an
USERNAME_INVALID_LENGTH = Der Benutzername muss mindestens { $min } und weniger als { $max } Zeichen lang sein
USERNAME_ILLEGAL_CHARACTERS = Der Benutzername enthält unzulässige Zeichen
USERNAME_NOT_PROVIDED = Kein Benutzername angegeben
CHANGE_EMAIL_EXPIRED = Der Bestätigungslink für Ihre neue E-Mail-Adresse ist abgelaufen. Bitte fordern Sie einen neuen an.
CHANGE_EMAIL_CONFIRMED = Die Änderung der E-Mail-Adresse ist bestätigt
CHANGE_EMAIL_SENT = Eine Anleitung zur Bestätigung Ihrer neuen E-Mail-Adresse wurde verschickt.
CSRF_MISSING = Das CSRF-Token fehlt.
CSRF_INVALID = Das CSRF-Token ist ungültig.
CSRF_EXPIRED = Das CSRF-Token ist abgelaufen.
CSRF_SESSION_MISSING = Das CSRF-Sitzungstoken fehlt.
NOT_A_VALID_CHOICE = Keine gültige Auswahl.
ACCOUNT_LOCKED = Das Konto ist nach zu vielen fehlgeschlagenen Anmeldungen gesperrt. Versuchen Sie es in { $minutes ->
    [one] einer Minute
   *[other] { $minutes } Minuten
} erneut.
RATE_LIMITED = Zu viele fehlgeschlagene Anmeldeversuche. Bitte versuchen Sie es später erneut.
CODE_ALREADY_USED = Dieser Code wurde bereits verwendet. Fordern Sie einen neuen an.
CODE_NOT_PROVIDED = Kein Code angegeben
TWO_FACTOR_NO_STATE = Die Zwei-Faktor-Anmeldung wurde nicht begonnen oder ist abgelaufen. Bitte melden Sie sich erneut an.
TWO_FACTOR_RESCUE_SENT = Der Anmeldecode wurde an Ihre E-Mail-Adresse geschickt
TWO_FACTOR_HELP_SENT = Wir haben eine Nachricht erhalten und setzen Ihr Konto zurück
NO_PASSWORD_TO_CHANGE = Dieses Konto hat kein Passwort. Setzen Sie über „Passwort vergessen“ eines.
US_CODE_SENT = Ein Anmeldecode wurde verschickt.
MAIL_FAILED = Die E-Mail konnte nicht verschickt werden. Bitte versuchen Sie es später erneut.
USERNAME_RECOVERY_REQUEST = Eine E-Mail mit Ihrem Benutzernamen wurde verschickt.
USERNAME_IS_THE_SAME = Der neue Benutzername ist der bisherige.
USERNAME_NOT_ENABLED = Benutzernamen sind nicht eingeschaltet.
REQUEST_BODY_UNREADABLE = Der Inhalt der Anfrage ist zu groß oder unlesbar.
REQUEST_BODY_TOO_LARGE = Der Inhalt der Anfrage ist zu groß.
IDENTITY_NOT_FORWARDABLE = Die Identität kann nicht weitergegeben werden.
AUTH_NOT_CONFIGURED = Für diese Adresse ist keine Anmeldung eingerichtet.
SERVICE_UNAVAILABLE = Der Dienst ist vorübergehend nicht verfügbar. Bitte versuchen Sie es später erneut.
INTERNAL_ERROR = Etwas ist schiefgegangen. Bitte versuchen Sie es später erneut.
NOT_FOUND = Die angeforderte Adresse wurde nicht gefunden.
METHOD_NOT_ALLOWED = Diese Methode ist für die angeforderte Adresse nicht erlaubt.
UNSUPPORTED_MEDIA_TYPE = Senden Sie den Inhalt als application/json oder application/x-www-form-urlencoded.
HEADERS_TOO_LARGE = Die Kopfzeilen der Anfrage sind zu groß.
REQUEST_TIMEOUT = Die Anfrage hat zu lange gedauert. Bitte versuchen Sie es später erneut.
EMAIL_DOMAIN_NOT_FOUND = Die Domain { $domain } existiert nicht.
EMAIL_DOMAIN_NO_MAIL = Die Domain { $domain } nimmt keine E-Mails an.
WEBAUTHN_EXPIRED = Passkey-Vorgänge müssen innerhalb von { $within } abgeschlossen werden. Bitte beginnen Sie von vorn.
WEBAUTHN_NAME_REQUIRED = Bitte geben Sie dem neuen Passkey einen Namen.
WEBAUTHN_NAME_INUSE = „{ $name }“ ist bereits der Name eines Passkeys.
WEBAUTHN_NAME_NOT_FOUND = „{ $name }“ ist für Ihr Konto nicht registriert.
WEBAUTHN_CREDENTIAL_DELETED = Der Passkey „{ $name }“ wurde gelöscht.
WEBAUTHN_REGISTER_SUCCESSFUL = Der Passkey „{ $name }“ wurde hinzugefügt.
WEBAUTHN_CREDENTIAL_ID_INUSE = Dieser Passkey ist bereits registriert.
WEBAUTHN_UNKNOWN_CREDENTIAL_ID = Unbekannter Passkey.
WEBAUTHN_NO_VERIFY = Der Passkey konnte nicht geprüft werden: { $cause }.
WEBAUTHN_CREDENTIAL_WRONG_USAGE = Dieser Passkey ist für diese Verwendung (erster oder zweiter Faktor) nicht registriert
WEBAUTHN_MISMATCH_USER_HANDLE = Die Benutzerkennung des Passkeys passt nicht
WEBAUTHN_NAME_INVALID = Passkey-Namen dürfen Buchstaben, Ziffern, Leerzeichen, Binde- und Unterstriche enthalten, höchstens { $max } Zeichen.
WEBAUTHN_LAST_CREDENTIAL = Dies ist Ihre einzige Anmeldemöglichkeit. Legen Sie zuerst ein Passwort oder einen weiteren Passkey an.
WEBAUTHN_RENAMED = Der Passkey heißt jetzt „{ $name }“.

## Pages: titles, labels, links (ids of our own; Flask-Security's templates have none).

title-change-email = E-Mail-Adresse ändern
title-sign-in = Anmelden
title-us-setup = Anmeldemethoden
title-us-verify = Bestätigen Sie, dass Sie es sind
title-sign-out = Abmelden
title-recover-username = Benutzernamen anfordern
title-change-username = Benutzernamen ändern
title-account = Ihr Konto
title-register = Registrieren
title-send-confirmation = Bestätigungslink erneut senden
title-email-confirmation = Bestätigung der E-Mail-Adresse
title-two-factor = Zwei-Faktor-Authentifizierung
title-two-factor-setup = Zwei-Faktor-Authentifizierung einrichten
title-two-factor-select = Zweiten Faktor wählen
title-two-factor-rescue = Probleme bei der Anmeldung?
title-recovery-codes = Wiederherstellungscodes
title-use-recovery-code = Wiederherstellungscode verwenden
title-verify = Identität bestätigen
title-forgot-password = Passwort zurücksetzen
title-reset-password = Neues Passwort wählen
title-password-reset = Passwort zurückgesetzt
title-change-password = Passwort ändern
page-skip-to-content = Zum Inhalt springen
page-home = Startseite
page-nav-label = Konto
page-sign-in = Anmelden
page-sign-out = Abmelden
page-create-account = Konto erstellen
page-forgot-password = Passwort vergessen?
page-resend-confirmation = Bestätigungslink erneut senden
page-sign-in-with-code = Mit einem Code anmelden
page-forgot-username = Benutzernamen vergessen?
field-email = E-Mail-Adresse
field-username = Benutzername
field-password = Passwort
field-remember = Angemeldet bleiben

## Pages: shared strings.

page-continue = Weiter
page-verify = Bestätigen
page-enter-sent-code = Geben Sie den Code ein, den wir Ihnen geschickt haben.
page-authr-scan = Scannen Sie diesen QR-Code mit Ihrer Authentifizierungs-App und geben Sie dann den angezeigten Code ein.
page-authr-qr-alt = QR-Code für Ihre Authentifizierungs-App
page-authr-cannot-scan = Sie können den Code nicht scannen? Geben Sie stattdessen diesen Schlüssel in Ihrer App ein:
page-authr-open-app = In Ihrer Authentifizierungs-App öffnen

## Form fields.

field-password-confirm = Passwort wiederholen
field-current-password = Aktuelles Passwort
field-new-password = Neues Passwort
field-new-password-confirm = Neues Passwort wiederholen
field-new-email = Neue E-Mail-Adresse
field-new-username = Neuer Benutzername
field-code = Bestätigungscode
field-recovery-code = Wiederherstellungscode
field-phone = Telefonnummer (für SMS)
field-phone-hint = Mit Landesvorwahl, zum Beispiel +49 30 901820.
field-identity = E-Mail-Adresse, Benutzername oder Telefonnummer
field-passcode = Passwort oder Code

## Second factors and sign-in methods.

method-authenticator = Authentifizierungs-App
method-email = E-Mail
method-sms = SMS
method-password = Passwort

## register.html

register-submit = Registrieren

## change.html

change-submit = Passwort ändern
change-set-submit = Passwort festlegen

## verify.html

verify-intro = Bitte geben Sie Ihr Passwort erneut ein, um fortzufahren.

## logout.html

logout-intro = Möchten Sie sich abmelden?

## account.html

account-signed-in-as = Angemeldet als
account-roles = Rollen: { $roles }
account-change-password = Passwort ändern
account-set-password = Passwort festlegen
account-change-email = E-Mail-Adresse ändern
account-change-username = Benutzernamen ändern
account-two-factor = Zwei-Faktor-Authentifizierung
account-two-factor-on = Zwei-Faktor-Authentifizierung: { $method }
account-recovery-codes = Wiederherstellungscodes
account-sign-in-methods = Anmeldemethoden

## send_confirmation.html

send-confirmation-intro = Geben Sie Ihre E-Mail-Adresse ein, und wir schicken Ihnen einen neuen Bestätigungslink.
send-confirmation-submit = Bestätigungslink erneut senden

## forgot_password.html

forgot-password-intro = Geben Sie Ihre E-Mail-Adresse ein, und wir schicken Ihnen einen Link zum Zurücksetzen Ihres Passworts.
forgot-password-submit = Link zum Zurücksetzen senden

## reset_password.html

reset-password-submit = Passwort zurücksetzen

## change_email.html

change-email-current = Ihre aktuelle E-Mail-Adresse ist { $email }.
change-email-submit = E-Mail-Adresse ändern

## recover_username.html

recover-username-intro = Geben Sie Ihre E-Mail-Adresse ein, und wir schicken Ihnen Ihren Benutzernamen.
recover-username-submit = Benutzernamen zusenden

## change_username.html

change-username-current = Ihr aktueller Benutzername ist { $username }.
change-username-submit = Benutzernamen ändern

## tf_validate.html

tf-validate-intro = Geben Sie den Bestätigungscode ein, um die Anmeldung abzuschließen.
tf-validate-rescue = Probleme bei der Anmeldung?

## tf_setup.html

tf-setup-legend = Zweiter Faktor
tf-setup-disable = Zwei-Faktor-Authentifizierung ausschalten

## tf_select.html

tf-select-legend = Wählen Sie, wie Sie Ihre Identität bestätigen möchten

## tf_rescue.html

tf-rescue-legend = Was möchten Sie tun?
tf-rescue-email = Einen Code an meine E-Mail-Adresse senden
tf-rescue-recovery-code = Einen Wiederherstellungscode verwenden
tf-rescue-help = Um Hilfe bitten

## mf_recovery_codes.html, mf_recovery.html

mf-recovery-codes-intro = Mit Wiederherstellungscodes können Sie sich anmelden, wenn Ihr zweiter Faktor nicht verfügbar ist. Neue Codes ersetzen alle bisherigen.
mf-recovery-codes-keep = Bewahren Sie diese Codes sicher auf. Jeder Code funktioniert nur einmal.
mf-recovery-codes-submit = Neue Wiederherstellungscodes erzeugen
mf-recovery-intro = Geben Sie einen der Wiederherstellungscodes ein, die Sie aufbewahrt haben.

## us_signin.html, us_verify.html, us_setup.html

us-signin-get-code = Kein Passwort? Lassen Sie sich stattdessen einen Einmalcode schicken:
us-signin-send-email = Code per E-Mail senden
us-signin-send-sms = Code per SMS senden
us-verify-intro = Geben Sie Ihr Passwort oder einen Code ein, um zu bestätigen, dass Sie es sind.
us-verify-submit = Bestätigen
us-setup-active = Aktive Methoden:
us-setup-legend = Anmeldemethode einrichten

## Mails: subjects (mail-subject-<template>).

mail-subject-welcome = Willkommen
mail-subject-welcome_existing = Willkommen
mail-subject-welcome_existing_username = Willkommen
mail-subject-confirmation_instructions = Bitte bestätigen Sie Ihre E-Mail-Adresse
mail-subject-reset_instructions = Anleitung zum Zurücksetzen Ihres Passworts
mail-subject-reset_notice = Ihr Passwort wurde zurückgesetzt
mail-subject-change_notice = Ihr Passwort wurde geändert
mail-subject-change_username_notice = Ihr Benutzername wurde geändert
mail-subject-username_recovery = Ihr angeforderter Benutzername
mail-subject-change_email_instructions = Bestätigen Sie Ihre neue E-Mail-Adresse
mail-subject-two_factor_instructions = Zwei-Faktor-Anmeldung
mail-subject-two_factor_rescue = Hilfe bei der Zwei-Faktor-Anmeldung
mail-subject-us_instructions = Bestätigungscode

## Mails: shared strings.

mail-hello = Guten Tag { $email },
mail-ignore = Falls Sie das nicht waren, können Sie diese Nachricht ignorieren.
mail-link-expires = Dieser Link läuft in { $within } ab.
mail-code-intro = Ihr Anmeldecode lautet:
mail-code-expires = Dieser Code läuft in { $within } ab.

## mail/welcome

mail-welcome-greeting = Willkommen, { $email }!
mail-welcome-confirm = Bitte bestätigen Sie Ihre E-Mail-Adresse:
mail-welcome-confirm-link = Konto bestätigen

## mail/welcome_existing

mail-welcome-existing-body = Jemand (vielleicht Sie selbst) hat versucht, mit dieser E-Mail-Adresse ein Konto zu registrieren, aber Sie haben bereits eines.
mail-welcome-existing-forgot = Falls Sie Ihr Passwort vergessen haben, können Sie es hier zurücksetzen:
mail-welcome-existing-reset = Passwort zurücksetzen

## mail/welcome_existing_username

mail-welcome-existing-username-body = Jemand (vielleicht Sie selbst) hat versucht, ein Konto mit dem Benutzernamen „{ $username }“ zu registrieren, der bereits Ihnen gehört.

## mail/confirmation_instructions

mail-confirmation-instructions-intro = Bitte bestätigen Sie Ihre E-Mail-Adresse über den folgenden Link:
mail-confirmation-instructions-link = Konto bestätigen

## mail/reset_instructions

mail-reset-instructions-intro = Über den folgenden Link können Sie Ihr Passwort zurücksetzen:
mail-reset-instructions-link = Passwort zurücksetzen

## mail/reset_notice

mail-reset-notice-body = Ihr Passwort wurde zurückgesetzt.

## mail/change_notice

mail-change-notice-body = Ihr Passwort wurde geändert.
mail-change-notice-not-you = Falls Sie Ihr Passwort nicht selbst geändert haben, setzen Sie es jetzt zurück:
mail-change-notice-reset = Passwort zurücksetzen

## mail/change_username_notice

mail-change-username-notice-body = Ihr Benutzername wurde in { $username } geändert.
mail-change-username-notice-not-you = Falls Sie diese Änderung nicht selbst vorgenommen haben, wenden Sie sich an uns und setzen Sie Ihr Passwort zurück.

## mail/username_recovery

mail-username-recovery-intro = Ihr Benutzername lautet:

## mail/change_email_instructions

mail-change-email-instructions-intro = Bitte bestätigen Sie Ihre neue E-Mail-Adresse über den folgenden Link:
mail-change-email-instructions-link = Neue E-Mail-Adresse bestätigen
mail-change-email-instructions-current = Ihre derzeit registrierte E-Mail-Adresse ist { $email }.

## mail/two_factor_rescue

mail-two-factor-rescue-body = { $email } kann sich nicht anmelden: Der Zugang zum zweiten Faktor ist verloren gegangen, und die Person bittet um Hilfe.

## mail/us_instructions

mail-us-instructions-or-link = Oder melden Sie sich über diesen Link an:
mail-us-instructions-sign-in = Anmelden
mail-us-instructions-expires = Dieser Code und der Link laufen in { $within } ab.

## Durations, in the dative ("innerhalb von 2 Tagen", "in 1 Stunde und 30 Minuten"): $rest is a comma-separated list.

duration-day = { $n ->
    [one] { $n } Tag
   *[other] { $n } Tagen
}
duration-hour = { $n ->
    [one] { $n } Stunde
   *[other] { $n } Stunden
}
duration-minute = { $n ->
    [one] { $n } Minute
   *[other] { $n } Minuten
}
duration-second = { $n ->
    [one] { $n } Sekunde
   *[other] { $n } Sekunden
}
duration-list = { $rest } und { $last }

## Passkeys und Sicherheitsschlüssel (WebAuthn).

title-passkeys = Passkeys und Sicherheitsschlüssel
title-passkey-sign-in = Mit einem Passkey anmelden
title-passkey-verify = Mit einem Passkey bestätigen
wan-registered = Ihre Passkeys und Sicherheitsschlüssel
wan-name = Name
wan-usage = Verwendung
wan-last-used = Zuletzt verwendet
wan-actions = Aktionen
wan-synced = synchronisiert
wan-usage-first = Passkey: Anmeldung ohne Passwort
wan-usage-secondary = Sicherheitsschlüssel: zweiter Schritt nach dem Passwort
wan-delete = Löschen
wan-delete-named = „{ $name }“ löschen
wan-none = Sie haben noch keine Passkeys oder Sicherheitsschlüssel.
wan-add = Passkey oder Sicherheitsschlüssel hinzufügen
wan-add-submit = Hinzufügen
wan-identity-hint = Optional: Ihre E-Mail-Adresse oder Ihr Benutzername, falls Ihr Passkey nicht von selbst angeboten wird.
wan-signin-submit = Mit einem Passkey anmelden
wan-verify-intro = Bestätigen Sie mit einem Ihrer Passkeys oder Sicherheitsschlüssel, dass Sie es sind.
wan-verify-submit = Passkey verwenden
wan-ceremony-wait = Folgen Sie der Aufforderung Ihres Browsers, um Ihren Passkey oder Sicherheitsschlüssel zu verwenden.
wan-ceremony-failed = Der Passkey wurde nicht verwendet (abgebrochen, Zeit abgelaufen oder nicht verfügbar).
wan-ceremony-retry = Erneut versuchen
account-passkeys = Passkeys und Sicherheitsschlüssel
wan-secondary-intro = Schließen Sie die Anmeldung mit Ihrem Sicherheitsschlüssel ab.
method-webauthn = Sicherheitsschlüssel
wan-created = Hinzugefügt
wan-device = Gerät
wan-device-single = Nur dieses Gerät
wan-device-multi = Kann zwischen Geräten synchronisiert werden
wan-rename = Umbenennen
wan-rename-named = „{ $name }“ umbenennen
wan-new-name = Neuer Name

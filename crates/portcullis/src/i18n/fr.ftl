# Français.

API_ERROR = Saisie inappropriée pour cette interface
GENERIC_AUTHN_FAILED = Échec de l’authentification : identifiant ou mot de passe/code invalide
UNAUTHORIZED = Vous n’avez pas la permission de voir cette ressource.
UNAUTHENTICATED = Vous devez vous connecter pour voir cette ressource.
REAUTHENTICATION_REQUIRED = Vous devez vous authentifier à nouveau pour accéder à cette page
ANONYMOUS_USER_REQUIRED = Cette page n’est accessible que sans être connecté.
CONFIRM_REGISTRATION = Merci. Pour confirmer votre adresse { $email }, cliquez sur le lien de l’e-mail que nous venons de vous envoyer.
EMAIL_CONFIRMED = Merci. Votre adresse e-mail est confirmée.
ALREADY_CONFIRMED = Votre adresse e-mail est déjà confirmée.
INVALID_CONFIRMATION_TOKEN = Lien de confirmation invalide.
EMAIL_ALREADY_ASSOCIATED = { $email } est déjà associé à un compte.
USERNAME_ALREADY_ASSOCIATED = { $username } est déjà associé à un compte.
IDENTITY_ALREADY_ASSOCIATED = L’attribut « { $attr } » de valeur « { $value } » est déjà associé à un compte.
RETYPE_PASSWORD_MISMATCH = Les mots de passe ne correspondent pas
INVALID_REDIRECT = Les redirections hors du domaine sont interdites
INVALID_RECOVERY_CODE = Code de récupération invalide
NO_RECOVERY_CODES_SETUP = Aucun code de récupération n’a encore été généré
PASSWORD_RESET_REQUEST = Les instructions pour réinitialiser votre mot de passe ont été envoyées.
PASSWORD_RESET_EXPIRED = Vous n’avez pas réinitialisé votre mot de passe dans le délai de { $within }.
INVALID_RESET_PASSWORD_TOKEN = Lien de réinitialisation invalide.
CONFIRMATION_REQUIRED = L’adresse e-mail doit être confirmée.
CONFIRMATION_REQUEST = Les instructions de confirmation ont été envoyées.
CONFIRMATION_EXPIRED = Vous n’avez pas confirmé votre adresse e-mail dans le délai de { $within }.
DISABLED_ACCOUNT = Le compte est désactivé.
EMAIL_NOT_PROVIDED = Adresse e-mail manquante
INVALID_EMAIL_ADDRESS = Adresse e-mail invalide
INVALID_CODE = Code invalide
PASSWORD_NOT_PROVIDED = Mot de passe manquant
PASSWORD_INVALID_LENGTH = Le mot de passe doit compter au moins { $length } caractères
PASSWORD_TOO_LONG = Le mot de passe doit compter au plus { $length } caractères
PASSWORD_TOO_SIMPLE = Le mot de passe n’est pas assez complexe
PASSWORD_COMPLEXITY_FEEDBACK = { $feedback }
PASSWORD_IS_IDENTITY = Le mot de passe ne doit pas être votre adresse e-mail ni votre nom d’utilisateur
PASSWORD_BREACHED = Ce mot de passe figure dans une liste de mots de passe divulgués
PASSWORD_BREACHED_SITE_ERROR = Impossible de joindre le service des mots de passe divulgués
PHONE_INVALID = Numéro de téléphone invalide, par exemple sans indicatif de pays
USER_DOES_NOT_EXIST = Cet utilisateur n’existe pas
INVALID_PASSWORD = Mot de passe incorrect
INVALID_PASSWORD_CODE = Le mot de passe ou le code est invalide
PASSWORDLESS_LOGIN_SUCCESSFUL = Vous êtes connecté.
PASSWORD_RESET = Votre mot de passe a été réinitialisé et vous êtes connecté.
PASSWORD_RESET_NO_LOGIN = Votre mot de passe a été réinitialisé. Connectez-vous avec le nouveau mot de passe.
PASSWORD_IS_THE_SAME = Le nouveau mot de passe doit être différent de l’ancien.
PASSWORD_CHANGE = Votre mot de passe a été modifié.
LOGIN = Connectez-vous pour accéder à cette page.
REFRESH = Authentifiez-vous à nouveau pour accéder à cette page.
REAUTHENTICATION_SUCCESSFUL = Authentification confirmée
CODE_HAS_BEEN_SENT = Le code a été envoyé.
FAILED_TO_SEND_CODE = Le code n’a pas pu être envoyé. Veuillez réessayer plus tard
TWO_FACTOR_LOGIN_SUCCESSFUL = Votre code a été confirmé
TWO_FACTOR_CHANGE_METHOD_SUCCESSFUL = Votre méthode à deux facteurs a été modifiée.
TWO_FACTOR_METHOD_NOT_AVAILABLE = La méthode choisie n’est pas valide
TWO_FACTOR_DISABLED = L’authentification à deux facteurs est désactivée.
TWO_FACTOR_SETUP_EXPIRED = La configuration doit être terminée dans un délai de { $within }. Veuillez recommencer.
US_METHOD_NOT_AVAILABLE = La méthode demandée n’est pas valide
US_SETUP_EXPIRED = La configuration doit être terminée dans un délai de { $within }. Veuillez recommencer.
US_SETUP_SUCCESSFUL = Méthode de connexion configurée
US_SPECIFY_IDENTITY = Indiquez un identifiant valide pour vous connecter
USERNAME_INVALID_LENGTH = Le nom d’utilisateur doit compter au moins { $min } et moins de { $max } caractères
USERNAME_ILLEGAL_CHARACTERS = Le nom d’utilisateur contient des caractères interdits
USERNAME_NOT_PROVIDED = Nom d’utilisateur manquant
CHANGE_EMAIL_EXPIRED = Le lien de confirmation de votre nouvelle adresse a expiré. Demandez-en un nouveau.
CHANGE_EMAIL_CONFIRMED = Changement d’adresse e-mail confirmé
CHANGE_EMAIL_SENT = Les instructions pour confirmer votre nouvelle adresse ont été envoyées.
CSRF_MISSING = Le jeton CSRF est manquant.
CSRF_INVALID = Le jeton CSRF est invalide.
CSRF_EXPIRED = Le jeton CSRF a expiré.
CSRF_SESSION_MISSING = Le jeton CSRF de session est manquant.
NOT_A_VALID_CHOICE = Choix invalide.
ACCOUNT_LOCKED = Compte verrouillé après trop d’échecs de connexion. Réessayez dans { $minutes ->
    [one] une minute
   *[other] { $minutes } minutes
}.
RATE_LIMITED = Trop de tentatives de connexion échouées. Veuillez réessayer plus tard.
CODE_ALREADY_USED = Ce code a déjà été utilisé. Demandez-en un nouveau.
CODE_NOT_PROVIDED = Code manquant
TWO_FACTOR_NO_STATE = La connexion à deux facteurs n’a pas commencé ou a expiré. Connectez-vous à nouveau.
TWO_FACTOR_RESCUE_SENT = Le code de connexion a été envoyé à votre adresse e-mail
TWO_FACTOR_HELP_SENT = Un message nous a été envoyé pour réinitialiser votre compte
NO_PASSWORD_TO_CHANGE = Ce compte n’a pas de mot de passe. Utilisez la réinitialisation pour en définir un.
US_CODE_SENT = Un code de connexion a été envoyé.
MAIL_FAILED = L’e-mail n’a pas pu être envoyé. Veuillez réessayer plus tard.
USERNAME_RECOVERY_REQUEST = Un e-mail avec votre nom d’utilisateur a été envoyé.
USERNAME_IS_THE_SAME = Le nouveau nom d’utilisateur est identique à l’actuel.
USERNAME_NOT_ENABLED = Les noms d’utilisateur ne sont pas activés.
REQUEST_BODY_UNREADABLE = Le contenu de la requête est trop grand ou illisible.
REQUEST_BODY_TOO_LARGE = Le contenu de la requête est trop grand.
IDENTITY_NOT_FORWARDABLE = L’identité ne peut pas être transmise.
AUTH_NOT_CONFIGURED = L’authentification n’est pas configurée pour cette adresse.
SERVICE_UNAVAILABLE = Le service est temporairement indisponible. Veuillez réessayer plus tard.
INTERNAL_ERROR = Une erreur s’est produite. Veuillez réessayer plus tard.
NOT_FOUND = L’adresse demandée est introuvable sur ce serveur.
METHOD_NOT_ALLOWED = Cette méthode n’est pas autorisée pour l’adresse demandée.
UNSUPPORTED_MEDIA_TYPE = Envoyez le contenu en application/json ou application/x-www-form-urlencoded.
HEADERS_TOO_LARGE = Les en-têtes de la requête sont trop grands.
REQUEST_TIMEOUT = La requête a pris trop de temps. Veuillez réessayer plus tard.
EMAIL_DOMAIN_NOT_FOUND = Le domaine { $domain } n’existe pas.
EMAIL_DOMAIN_NO_MAIL = Le domaine { $domain } n’accepte pas d’e-mails.
WEBAUTHN_EXPIRED = Les opérations sur les clés d’accès doivent être terminées en { $within }. Veuillez recommencer.
WEBAUTHN_NAME_REQUIRED = Veuillez donner un nom à la nouvelle clé d’accès.
WEBAUTHN_NAME_INUSE = « { $name } » est déjà le nom d’une clé d’accès.
WEBAUTHN_NAME_NOT_FOUND = « { $name } » n’est pas enregistrée pour votre compte.
WEBAUTHN_CREDENTIAL_DELETED = La clé d’accès « { $name } » a été supprimée.
WEBAUTHN_REGISTER_SUCCESSFUL = La clé d’accès « { $name } » a été ajoutée.
WEBAUTHN_CREDENTIAL_ID_INUSE = Cette clé d’accès est déjà enregistrée.
WEBAUTHN_UNKNOWN_CREDENTIAL_ID = Clé d’accès inconnue.
WEBAUTHN_NO_VERIFY = Impossible de vérifier la clé d’accès : { $cause }.
WEBAUTHN_CREDENTIAL_WRONG_USAGE = Cette clé d’accès n’est pas enregistrée pour cet usage (premier ou second facteur)
WEBAUTHN_MISMATCH_USER_HANDLE = L’identifiant d’utilisateur de la clé ne correspond pas
WEBAUTHN_NAME_INVALID = Le nom d’une clé d’accès peut contenir des lettres, des chiffres, des espaces, des tirets et des traits de soulignement, { $max } caractères au plus.
WEBAUTHN_LAST_CREDENTIAL = C’est votre seul moyen de connexion. Ajoutez un mot de passe ou une autre clé d’accès avant de la supprimer.
WEBAUTHN_RENAMED = La clé d’accès s’appelle désormais « { $name } ».

## Pages: titles, labels, links (ids of our own; Flask-Security's templates have none).

title-change-email = Modifier l’adresse e-mail
title-sign-in = Se connecter
title-us-setup = Méthodes de connexion
title-us-verify = Confirmez votre identité
title-sign-out = Se déconnecter
title-recover-username = Retrouver votre nom d’utilisateur
title-change-username = Modifier le nom d’utilisateur
title-account = Votre compte
title-register = Créer un compte
title-send-confirmation = Renvoyer les instructions de confirmation
title-email-confirmation = Confirmation de l’adresse e-mail
title-two-factor = Authentification à deux facteurs
title-two-factor-setup = Configurer l’authentification à deux facteurs
title-two-factor-select = Choisir un second facteur
title-two-factor-rescue = Des difficultés pour vous connecter ?
title-recovery-codes = Codes de récupération
title-use-recovery-code = Utiliser un code de récupération
title-verify = Vérifier votre identité
title-forgot-password = Réinitialiser votre mot de passe
title-reset-password = Choisir un nouveau mot de passe
title-password-reset = Réinitialisation du mot de passe
title-change-password = Modifier le mot de passe
page-skip-to-content = Aller au contenu
page-home = Accueil
page-nav-label = Compte
page-sign-in = Se connecter
page-sign-out = Se déconnecter
page-create-account = Créer un compte
page-forgot-password = Mot de passe oublié ?
page-resend-confirmation = Renvoyer les instructions de confirmation
page-sign-in-with-code = Se connecter avec un code
page-forgot-username = Nom d’utilisateur oublié ?
field-email = Adresse e-mail
field-username = Nom d’utilisateur
field-password = Mot de passe
field-remember = Se souvenir de moi

## Pages: shared strings.

page-continue = Continuer
page-verify = Vérifier
page-enter-sent-code = Saisissez le code que nous vous avons envoyé.
page-authr-scan = Scannez ce code QR avec votre application d’authentification, puis saisissez le code qu’elle affiche.
page-authr-qr-alt = Code QR pour votre application d’authentification
page-authr-cannot-scan = Vous ne pouvez pas scanner le code ? Saisissez plutôt cette clé dans votre application :
page-authr-open-app = Ouvrir dans votre application d’authentification

## Form fields.

field-password-confirm = Confirmer le mot de passe
field-current-password = Mot de passe actuel
field-new-password = Nouveau mot de passe
field-new-password-confirm = Confirmer le nouveau mot de passe
field-new-email = Nouvelle adresse e-mail
field-new-username = Nouveau nom d’utilisateur
field-code = Code d’authentification
field-recovery-code = Code de récupération
field-phone = Numéro de téléphone (pour les SMS)
field-phone-hint = Avec l’indicatif du pays, par exemple +33 1 23 45 67 89.
field-identity = Adresse e-mail, nom d’utilisateur ou téléphone
field-passcode = Mot de passe ou code

## Second factors and sign-in methods.

method-authenticator = Application d’authentification
method-email = E-mail
method-sms = SMS
method-password = Mot de passe

## register.html

register-submit = Créer mon compte

## change.html

change-submit = Modifier le mot de passe
change-set-submit = Définir le mot de passe

## verify.html

verify-intro = Veuillez saisir à nouveau votre mot de passe pour continuer.

## logout.html

logout-intro = Voulez-vous vous déconnecter ?

## account.html

account-signed-in-as = Connecté en tant que
account-roles = Rôles : { $roles }
account-change-password = Modifier le mot de passe
account-set-password = Définir un mot de passe
account-change-email = Modifier l’adresse e-mail
account-change-username = Modifier le nom d’utilisateur
account-two-factor = Authentification à deux facteurs
account-two-factor-on = Authentification à deux facteurs : { $method }
account-recovery-codes = Codes de récupération
account-sign-in-methods = Méthodes de connexion

## send_confirmation.html

send-confirmation-intro = Saisissez votre adresse e-mail et nous vous enverrons un nouveau lien de confirmation.
send-confirmation-submit = Renvoyer les instructions de confirmation

## forgot_password.html

forgot-password-intro = Saisissez votre adresse e-mail et nous vous enverrons un lien pour réinitialiser votre mot de passe.
forgot-password-submit = Envoyer les instructions de réinitialisation

## reset_password.html

reset-password-submit = Réinitialiser le mot de passe

## change_email.html

change-email-current = Votre adresse e-mail actuelle est { $email }.
change-email-submit = Modifier l’adresse e-mail

## recover_username.html

recover-username-intro = Saisissez votre adresse e-mail et nous vous enverrons votre nom d’utilisateur.
recover-username-submit = Envoyer mon nom d’utilisateur

## change_username.html

change-username-current = Votre nom d’utilisateur actuel est { $username }.
change-username-submit = Modifier le nom d’utilisateur

## tf_validate.html

tf-validate-intro = Saisissez le code d’authentification pour terminer la connexion.
tf-validate-rescue = Des difficultés pour vous connecter ?

## tf_setup.html

tf-setup-legend = Second facteur
tf-setup-disable = Désactiver l’authentification à deux facteurs

## tf_select.html

tf-select-legend = Choisissez comment confirmer votre identité

## tf_rescue.html

tf-rescue-legend = Que souhaitez-vous faire ?
tf-rescue-email = Envoyer un code à mon adresse e-mail
tf-rescue-recovery-code = Utiliser un code de récupération
tf-rescue-help = Demander de l’aide

## mf_recovery_codes.html, mf_recovery.html

mf-recovery-codes-intro = Les codes de récupération vous permettent de vous connecter lorsque vous ne pouvez pas utiliser votre second facteur. Les nouveaux codes remplacent tous les précédents.
mf-recovery-codes-keep = Conservez ces codes en lieu sûr. Chaque code ne fonctionne qu’une seule fois.
mf-recovery-codes-submit = Générer de nouveaux codes de récupération
mf-recovery-intro = Saisissez l’un des codes de récupération que vous avez conservés.

## us_signin.html, us_verify.html, us_setup.html

us-signin-get-code = Pas de mot de passe ? Recevez plutôt un code à usage unique :
us-signin-send-email = Recevoir un code par e-mail
us-signin-send-sms = Recevoir un code par SMS
us-verify-intro = Saisissez votre mot de passe ou un code pour confirmer votre identité.
us-verify-submit = Confirmer
us-setup-active = Méthodes actives :
us-setup-legend = Configurer une méthode de connexion

## Mails: subjects (mail-subject-<template>).

mail-subject-welcome = Bienvenue
mail-subject-welcome_existing = Bienvenue
mail-subject-welcome_existing_username = Bienvenue
mail-subject-confirmation_instructions = Veuillez confirmer votre adresse e-mail
mail-subject-reset_instructions = Instructions de réinitialisation du mot de passe
mail-subject-reset_notice = Votre mot de passe a été réinitialisé
mail-subject-change_notice = Votre mot de passe a été modifié
mail-subject-change_username_notice = Votre nom d’utilisateur a été modifié
mail-subject-username_recovery = Le nom d’utilisateur demandé
mail-subject-change_email_instructions = Confirmez votre nouvelle adresse e-mail
mail-subject-two_factor_instructions = Connexion à deux facteurs
mail-subject-two_factor_rescue = Aide à la connexion à deux facteurs
mail-subject-us_instructions = Code de vérification

## Mails: shared strings.

mail-hello = Bonjour { $email },
mail-ignore = Si ce n’était pas vous, vous pouvez ignorer ce message.
mail-link-expires = Ce lien expirera dans { $within }.
mail-code-intro = Votre code de connexion est :
mail-code-expires = Ce code expirera dans { $within }.

## mail/welcome

mail-welcome-greeting = Bienvenue, { $email } !
mail-welcome-confirm = Veuillez confirmer votre adresse e-mail :
mail-welcome-confirm-link = confirmer mon compte

## mail/welcome_existing

mail-welcome-existing-body = Quelqu’un (peut-être vous) a essayé de créer un compte avec cette adresse e-mail, mais vous en avez déjà un.
mail-welcome-existing-forgot = Si vous avez oublié votre mot de passe, vous pouvez le réinitialiser ici :
mail-welcome-existing-reset = Réinitialiser mon mot de passe

## mail/welcome_existing_username

mail-welcome-existing-username-body = Quelqu’un (peut-être vous) a essayé de créer un compte avec le nom d’utilisateur « { $username } », qui est déjà le vôtre.

## mail/confirmation_instructions

mail-confirmation-instructions-intro = Veuillez confirmer votre adresse e-mail en suivant le lien ci-dessous :
mail-confirmation-instructions-link = Confirmer mon compte

## mail/reset_instructions

mail-reset-instructions-intro = Pour réinitialiser votre mot de passe, suivez le lien ci-dessous :
mail-reset-instructions-link = Réinitialiser mon mot de passe

## mail/reset_notice

mail-reset-notice-body = Votre mot de passe a été réinitialisé.

## mail/change_notice

mail-change-notice-body = Votre mot de passe a été modifié.
mail-change-notice-not-you = Si vous n’avez pas modifié votre mot de passe, réinitialisez-le dès maintenant :
mail-change-notice-reset = Réinitialiser mon mot de passe

## mail/change_username_notice

mail-change-username-notice-body = Votre nom d’utilisateur a été remplacé par { $username }.
mail-change-username-notice-not-you = Si vous n’êtes pas à l’origine de ce changement, contactez-nous et réinitialisez votre mot de passe.

## mail/username_recovery

mail-username-recovery-intro = Votre nom d’utilisateur est :

## mail/change_email_instructions

mail-change-email-instructions-intro = Pour confirmer votre nouvelle adresse e-mail, suivez le lien ci-dessous :
mail-change-email-instructions-link = Confirmer ma nouvelle adresse e-mail
mail-change-email-instructions-current = Votre adresse e-mail actuellement enregistrée est { $email }.

## mail/two_factor_rescue

mail-two-factor-rescue-body = { $email } ne peut pas se connecter : l’accès à son second facteur est perdu et cette personne demande de l’aide.

## mail/us_instructions

mail-us-instructions-or-link = Ou connectez-vous avec ce lien :
mail-us-instructions-sign-in = Se connecter
mail-us-instructions-expires = Ce code et ce lien expireront dans { $within }.

## Durations ("2 jours", "1 heure et 30 minutes"): $rest is a comma-separated list.

duration-day = { $n ->
    [one] { $n } jour
   *[other] { $n } jours
}
duration-hour = { $n ->
    [one] { $n } heure
   *[other] { $n } heures
}
duration-minute = { $n ->
    [one] { $n } minute
   *[other] { $n } minutes
}
duration-second = { $n ->
    [one] { $n } seconde
   *[other] { $n } secondes
}
duration-list = { $rest } et { $last }

## Clés d’accès et clés de sécurité (WebAuthn).

title-passkeys = Clés d’accès et clés de sécurité
title-passkey-sign-in = Se connecter avec une clé d’accès
title-passkey-verify = Confirmer avec une clé d’accès
wan-registered = Vos clés d’accès et clés de sécurité
wan-name = Nom
wan-usage = Usage
wan-last-used = Dernière utilisation
wan-actions = Actions
wan-synced = synchronisée
wan-usage-first = Clé d’accès : connexion sans mot de passe
wan-usage-secondary = Clé de sécurité : seconde étape après le mot de passe
wan-delete = Supprimer
wan-delete-named = Supprimer « { $name } »
wan-none = Vous n’avez encore aucune clé d’accès ni clé de sécurité.
wan-add = Ajouter une clé d’accès ou une clé de sécurité
wan-add-submit = Ajouter
wan-identity-hint = Facultatif : votre adresse e-mail ou votre nom d’utilisateur, si votre clé d’accès n’est pas proposée d’elle-même.
wan-signin-submit = Se connecter avec une clé d’accès
wan-verify-intro = Utilisez l’une de vos clés d’accès ou clés de sécurité pour confirmer votre identité.
wan-verify-submit = Utiliser une clé d’accès
wan-ceremony-wait = Suivez les instructions de votre navigateur pour utiliser votre clé d’accès ou clé de sécurité.
wan-ceremony-failed = La clé d’accès n’a pas été utilisée (annulation, délai dépassé ou clé indisponible).
wan-ceremony-retry = Réessayer
account-passkeys = Clés d’accès et clés de sécurité
wan-secondary-intro = Utilisez votre clé de sécurité pour terminer la connexion.
method-webauthn = Clé de sécurité
wan-created = Ajoutée
wan-device = Appareil
wan-device-single = Cet appareil uniquement
wan-device-multi = Synchronisable entre appareils
wan-rename = Renommer
wan-rename-named = Renommer « { $name } »
wan-new-name = Nouveau nom

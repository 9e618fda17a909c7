# Español.

API_ERROR = Entrada no adecuada para esta interfaz
GENERIC_AUTHN_FAILED = Error de autenticación: identificador o contraseña/código no válidos
UNAUTHORIZED = No tiene permiso para ver este recurso.
UNAUTHENTICATED = Debe iniciar sesión para ver este recurso.
REAUTHENTICATION_REQUIRED = Debe volver a autenticarse para acceder a esta página
ANONYMOUS_USER_REQUIRED = Solo puede acceder a esta página sin haber iniciado sesión.
CONFIRM_REGISTRATION = Gracias. Para confirmar su dirección { $email }, haga clic en el enlace del correo que le acabamos de enviar.
EMAIL_CONFIRMED = Gracias. Su correo electrónico ha sido confirmado.
ALREADY_CONFIRMED = Su correo electrónico ya estaba confirmado.
INVALID_CONFIRMATION_TOKEN = Enlace de confirmación no válido.
EMAIL_ALREADY_ASSOCIATED = { $email } ya está asociado a una cuenta.
USERNAME_ALREADY_ASSOCIATED = { $username } ya está asociado a una cuenta.
IDENTITY_ALREADY_ASSOCIATED = El atributo «{ $attr }» con el valor «{ $value }» ya está asociado a una cuenta.
RETYPE_PASSWORD_MISMATCH = Las contraseñas no coinciden
INVALID_REDIRECT = No se permiten redirecciones fuera del dominio
INVALID_RECOVERY_CODE = Código de recuperación no válido
NO_RECOVERY_CODES_SETUP = Todavía no se han generado códigos de recuperación
PASSWORD_RESET_REQUEST = Se han enviado las instrucciones para restablecer su contraseña.
PASSWORD_RESET_EXPIRED = No restableció su contraseña en el plazo de { $within }.
INVALID_RESET_PASSWORD_TOKEN = Enlace de restablecimiento no válido.
CONFIRMATION_REQUIRED = El correo electrónico debe confirmarse.
CONFIRMATION_REQUEST = Se han enviado las instrucciones de confirmación.
CONFIRMATION_EXPIRED = No confirmó su correo electrónico en el plazo de { $within }.
DISABLED_ACCOUNT = La cuenta está desactivada.
EMAIL_NOT_PROVIDED = Falta el correo electrónico
INVALID_EMAIL_ADDRESS = Correo electrónico no válido
INVALID_CODE = Código no válido
PASSWORD_NOT_PROVIDED = Falta la contraseña
PASSWORD_INVALID_LENGTH = La contraseña debe tener al menos { $length } caracteres
PASSWORD_TOO_LONG = La contraseña debe tener como máximo { $length } caracteres
PASSWORD_TOO_SIMPLE = La contraseña no es lo bastante compleja
PASSWORD_COMPLEXITY_FEEDBACK = { $feedback }
PASSWORD_IS_IDENTITY = La contraseña no puede ser su correo electrónico ni su nombre de usuario
PASSWORD_BREACHED = La contraseña figura en una lista de contraseñas filtradas
PASSWORD_BREACHED_SITE_ERROR = No se pudo contactar con el servicio de contraseñas filtradas
PHONE_INVALID = Número de teléfono no válido, por ejemplo sin prefijo de país
USER_DOES_NOT_EXIST = El usuario indicado no existe
INVALID_PASSWORD = Contraseña incorrecta
INVALID_PASSWORD_CODE = La contraseña o el código no son válidos
PASSWORDLESS_LOGIN_SUCCESSFUL = Ha iniciado sesión correctamente.
PASSWORD_RESET = Ha restablecido su contraseña y ha iniciado sesión automáticamente.
PASSWORD_RESET_NO_LOGIN = Ha restablecido su contraseña. Inicie sesión con la nueva contraseña.
PASSWORD_IS_THE_SAME = La nueva contraseña debe ser distinta de la anterior.
PASSWORD_CHANGE = Ha cambiado su contraseña.
LOGIN = Inicie sesión para acceder a esta página.
REFRESH = Vuelva a autenticarse para acceder a esta página.
REAUTHENTICATION_SUCCESSFUL = Autenticación confirmada
CODE_HAS_BEEN_SENT = Se ha enviado el código.
FAILED_TO_SEND_CODE = No se pudo enviar el código. Inténtelo de nuevo más tarde
TWO_FACTOR_LOGIN_SUCCESSFUL = Su código ha sido confirmado
TWO_FACTOR_CHANGE_METHOD_SUCCESSFUL = Ha cambiado su método de doble factor.
TWO_FACTOR_METHOD_NOT_AVAILABLE = El método elegido no es válido
TWO_FACTOR_DISABLED = Ha desactivado la autenticación de doble factor.
TWO_FACTOR_SETUP_EXPIRED = La configuración debe completarse en { $within }. Vuelva a empezar.
US_METHOD_NOT_AVAILABLE = El método solicitado no es válido
US_SETUP_EXPIRED = La configuración debe completarse en { $within }. Vuelva a empezar.
US_SETUP_SUCCESSFUL = Método de inicio de sesión configurado
US_SPECIFY_IDENTITY = Indique un identificador válido para iniciar sesión
USERNAME_INVALID_LENGTH = El nombre de usuario debe tener al menos { $min } y menos de { $max } caracteres
USERNAME_ILLEGAL_CHARACTERS = El nombre de usuario contiene caracteres no permitidos
USERNAME_NOT_PROVIDED = Falta el nombre de usuario
CHANGE_EMAIL_EXPIRED = El enlace de confirmación de su nuevo correo ha caducado. Solicite uno nuevo.
CHANGE_EMAIL_CONFIRMED = Cambio de correo electrónico confirmado
CHANGE_EMAIL_SENT = Se han enviado las instrucciones para confirmar su nuevo correo electrónico.
CSRF_MISSING = Falta el token CSRF.
CSRF_INVALID = El token CSRF no es válido.
CSRF_EXPIRED = El token CSRF ha caducado.
CSRF_SESSION_MISSING = Falta el token CSRF de la sesión.
NOT_A_VALID_CHOICE = Opción no válida.
ACCOUNT_LOCKED = Cuenta bloqueada tras demasiados intentos fallidos. Inténtelo de nuevo en { $minutes ->
    [one] un minuto
   *[other] { $minutes } minutos
}.
RATE_LIMITED = Demasiados intentos fallidos. Inténtelo de nuevo más tarde.
CODE_ALREADY_USED = Este código ya se ha usado. Solicite uno nuevo.
CODE_NOT_PROVIDED = Falta el código
TWO_FACTOR_NO_STATE = El inicio de sesión con doble factor no ha comenzado o ha caducado. Vuelva a iniciar sesión.
TWO_FACTOR_RESCUE_SENT = El código de acceso se ha enviado a su correo electrónico
TWO_FACTOR_HELP_SENT = Se nos ha enviado un mensaje para restablecer su cuenta
NO_PASSWORD_TO_CHANGE = Esta cuenta no tiene contraseña. Use el restablecimiento para crear una.
US_CODE_SENT = Se ha enviado un código de inicio de sesión.
MAIL_FAILED = No se pudo enviar el correo. Inténtelo de nuevo más tarde.
USERNAME_RECOVERY_REQUEST = Se ha enviado un correo con su nombre de usuario.
USERNAME_IS_THE_SAME = El nuevo nombre de usuario es el mismo que el actual.
USERNAME_NOT_ENABLED = Los nombres de usuario no están activados.
REQUEST_BODY_UNREADABLE = El contenido de la solicitud es demasiado grande o ilegible.
REQUEST_BODY_TOO_LARGE = El contenido de la solicitud es demasiado grande.
IDENTITY_NOT_FORWARDABLE = No se puede transmitir la identidad.
AUTH_NOT_CONFIGURED = La autenticación no está configurada para esta dirección.
SERVICE_UNAVAILABLE = El servicio no está disponible temporalmente. Inténtelo de nuevo más tarde.
INTERNAL_ERROR = Algo ha fallado. Inténtelo de nuevo más tarde.
NOT_FOUND = No se encontró la dirección solicitada en el servidor.
METHOD_NOT_ALLOWED = El método no está permitido para la dirección solicitada.
UNSUPPORTED_MEDIA_TYPE = Envíe el contenido como application/json o application/x-www-form-urlencoded.
HEADERS_TOO_LARGE = Las cabeceras de la solicitud son demasiado grandes.
REQUEST_TIMEOUT = La solicitud tardó demasiado. Inténtelo de nuevo más tarde.
EMAIL_DOMAIN_NOT_FOUND = El dominio { $domain } no existe.
EMAIL_DOMAIN_NO_MAIL = El dominio { $domain } no acepta correo.
WEBAUTHN_EXPIRED = Las operaciones con llaves de acceso deben completarse en { $within }. Vuelva a empezar.
WEBAUTHN_NAME_REQUIRED = Dé un nombre a la nueva llave de acceso.
WEBAUTHN_NAME_INUSE = «{ $name }» ya es el nombre de una llave de acceso.
WEBAUTHN_NAME_NOT_FOUND = «{ $name }» no está registrada en su cuenta.
WEBAUTHN_CREDENTIAL_DELETED = Se ha eliminado la llave de acceso «{ $name }».
WEBAUTHN_REGISTER_SUCCESSFUL = Se ha añadido la llave de acceso «{ $name }».
WEBAUTHN_CREDENTIAL_ID_INUSE = Esta llave de acceso ya está registrada.
WEBAUTHN_UNKNOWN_CREDENTIAL_ID = Llave de acceso desconocida.
WEBAUTHN_NO_VERIFY = No se pudo verificar la llave de acceso: { $cause }.
WEBAUTHN_CREDENTIAL_WRONG_USAGE = Esta llave de acceso no está registrada para este uso (primer o segundo factor)
WEBAUTHN_MISMATCH_USER_HANDLE = El identificador de usuario de la llave no coincide
WEBAUTHN_NAME_INVALID = El nombre de una llave de acceso puede tener letras, dígitos, espacios, guiones y guiones bajos, hasta { $max } caracteres.
WEBAUTHN_LAST_CREDENTIAL = Es su única forma de iniciar sesión. Añada una contraseña u otra llave de acceso antes de eliminarla.
WEBAUTHN_RENAMED = La llave de acceso ahora se llama «{ $name }».

## Pages: titles, labels, links (ids of our own; Flask-Security's templates have none).

title-change-email = Cambiar la dirección de correo electrónico
title-sign-in = Iniciar sesión
title-us-setup = Métodos de inicio de sesión
title-us-verify = Confirme su identidad
title-sign-out = Cerrar sesión
title-recover-username = Recuperar su nombre de usuario
title-change-username = Cambiar el nombre de usuario
title-account = Su cuenta
title-register = Registrarse
title-send-confirmation = Reenviar las instrucciones de confirmación
title-email-confirmation = Confirmación del correo electrónico
title-two-factor = Autenticación de doble factor
title-two-factor-setup = Configurar la autenticación de doble factor
title-two-factor-select = Elegir un segundo factor
title-two-factor-rescue = ¿Problemas para iniciar sesión?
title-recovery-codes = Códigos de recuperación
title-use-recovery-code = Usar un código de recuperación
title-verify = Verificar su identidad
title-forgot-password = Restablecer su contraseña
title-reset-password = Elegir una nueva contraseña
title-password-reset = Restablecimiento de contraseña
title-change-password = Cambiar la contraseña
page-skip-to-content = Ir al contenido
page-home = Inicio
page-nav-label = Cuenta
page-sign-in = Iniciar sesión
page-sign-out = Cerrar sesión
page-create-account = Crear una cuenta
page-forgot-password = ¿Olvidó su contraseña?
page-resend-confirmation = Reenviar las instrucciones de confirmación
page-sign-in-with-code = Iniciar sesión con un código
page-forgot-username = ¿Olvidó su nombre de usuario?
field-email = Correo electrónico
field-username = Nombre de usuario
field-password = Contraseña
field-remember = Recordarme

## Pages: shared strings.

page-continue = Continuar
page-verify = Verificar
page-enter-sent-code = Introduzca el código que le hemos enviado.
page-authr-scan = Escanee este código QR con su aplicación de autenticación y luego introduzca el código que muestra.
page-authr-qr-alt = Código QR para su aplicación de autenticación
page-authr-cannot-scan = ¿No puede escanear el código? Introduzca esta clave en su aplicación:
page-authr-open-app = Abrir en su aplicación de autenticación

## Form fields.

field-password-confirm = Repita la contraseña
field-current-password = Contraseña actual
field-new-password = Nueva contraseña
field-new-password-confirm = Repita la nueva contraseña
field-new-email = Nueva dirección de correo electrónico
field-new-username = Nuevo nombre de usuario
field-code = Código de autenticación
field-recovery-code = Código de recuperación
field-phone = Número de teléfono (para SMS)
field-phone-hint = Incluya el prefijo del país, por ejemplo +34 912 345 678.
field-identity = Correo electrónico, nombre de usuario o teléfono
field-passcode = Contraseña o código

## Second factors and sign-in methods.

method-authenticator = Aplicación de autenticación
method-email = Correo electrónico
method-sms = SMS
method-password = Contraseña

## register.html

register-submit = Registrarse

## change.html

change-submit = Cambiar la contraseña
change-set-submit = Establecer la contraseña

## verify.html

verify-intro = Vuelva a introducir su contraseña para continuar.

## logout.html

logout-intro = ¿Desea cerrar la sesión?

## account.html

account-signed-in-as = Sesión iniciada como
account-roles = Roles: { $roles }
account-change-password = Cambiar la contraseña
account-set-password = Establecer una contraseña
account-change-email = Cambiar la dirección de correo electrónico
account-change-username = Cambiar el nombre de usuario
account-two-factor = Autenticación de doble factor
account-two-factor-on = Autenticación de doble factor: { $method }
account-recovery-codes = Códigos de recuperación
account-sign-in-methods = Métodos de inicio de sesión

## send_confirmation.html

send-confirmation-intro = Introduzca su dirección de correo electrónico y le enviaremos un nuevo enlace de confirmación.
send-confirmation-submit = Reenviar las instrucciones de confirmación

## forgot_password.html

forgot-password-intro = Introduzca su dirección de correo electrónico y le enviaremos un enlace para restablecer su contraseña.
forgot-password-submit = Enviar las instrucciones de restablecimiento

## reset_password.html

reset-password-submit = Restablecer la contraseña

## change_email.html

change-email-current = Su dirección de correo electrónico actual es { $email }.
change-email-submit = Cambiar la dirección de correo electrónico

## recover_username.html

recover-username-intro = Introduzca su dirección de correo electrónico y le enviaremos su nombre de usuario.
recover-username-submit = Enviarme mi nombre de usuario

## change_username.html

change-username-current = Su nombre de usuario actual es { $username }.
change-username-submit = Cambiar el nombre de usuario

## tf_validate.html

tf-validate-intro = Introduzca el código de autenticación para terminar de iniciar sesión.
tf-validate-rescue = ¿Problemas para iniciar sesión?

## tf_setup.html

tf-setup-legend = Segundo factor
tf-setup-disable = Desactivar la autenticación de doble factor

## tf_select.html

tf-select-legend = Elija cómo confirmar su identidad

## tf_rescue.html

tf-rescue-legend = ¿Qué desea hacer?
tf-rescue-email = Enviar un código a mi correo electrónico
tf-rescue-recovery-code = Usar un código de recuperación
tf-rescue-help = Pedir ayuda

## mf_recovery_codes.html, mf_recovery.html

mf-recovery-codes-intro = Los códigos de recuperación le permiten iniciar sesión cuando no puede usar su segundo factor. Los códigos nuevos sustituyen a los anteriores.
mf-recovery-codes-keep = Guarde estos códigos en un lugar seguro. Cada código solo funciona una vez.
mf-recovery-codes-submit = Generar nuevos códigos de recuperación
mf-recovery-intro = Introduzca uno de los códigos de recuperación que guardó.

## us_signin.html, us_verify.html, us_setup.html

us-signin-get-code = ¿No tiene contraseña? Reciba en su lugar un código de un solo uso:
us-signin-send-email = Recibir un código por correo electrónico
us-signin-send-sms = Recibir un código por SMS
us-verify-intro = Introduzca su contraseña o un código para confirmar su identidad.
us-verify-submit = Confirmar
us-setup-active = Métodos activos:
us-setup-legend = Configurar un método de inicio de sesión

## Mails: subjects (mail-subject-<template>).

mail-subject-welcome = Le damos la bienvenida
mail-subject-welcome_existing = Le damos la bienvenida
mail-subject-welcome_existing_username = Le damos la bienvenida
mail-subject-confirmation_instructions = Confirme su correo electrónico
mail-subject-reset_instructions = Instrucciones para restablecer su contraseña
mail-subject-reset_notice = Se ha restablecido su contraseña
mail-subject-change_notice = Se ha cambiado su contraseña
mail-subject-change_username_notice = Se ha cambiado su nombre de usuario
mail-subject-username_recovery = Su nombre de usuario solicitado
mail-subject-change_email_instructions = Confirme su nueva dirección de correo electrónico
mail-subject-two_factor_instructions = Inicio de sesión de doble factor
mail-subject-two_factor_rescue = Ayuda con el inicio de sesión de doble factor
mail-subject-us_instructions = Código de verificación

## Mails: shared strings.

mail-hello = Hola, { $email }:
mail-ignore = Si no fue usted, puede ignorar este mensaje.
mail-link-expires = Este enlace caducará en { $within }.
mail-code-intro = Su código para iniciar sesión es:
mail-code-expires = Este código caducará en { $within }.

## mail/welcome

mail-welcome-greeting = ¡Le damos la bienvenida, { $email }!
mail-welcome-confirm = Confirme su dirección de correo electrónico:
mail-welcome-confirm-link = confirmar mi cuenta

## mail/welcome_existing

mail-welcome-existing-body = Alguien (posiblemente usted) intentó registrar una cuenta con esta dirección de correo electrónico, pero usted ya tiene una.
mail-welcome-existing-forgot = Si olvidó su contraseña, puede restablecerla aquí:
mail-welcome-existing-reset = Restablecer mi contraseña

## mail/welcome_existing_username

mail-welcome-existing-username-body = Alguien (posiblemente usted) intentó registrar una cuenta con el nombre de usuario «{ $username }», que ya es suyo.

## mail/confirmation_instructions

mail-confirmation-instructions-intro = Confirme su dirección de correo electrónico mediante el siguiente enlace:
mail-confirmation-instructions-link = Confirmar mi cuenta

## mail/reset_instructions

mail-reset-instructions-intro = Para restablecer su contraseña, use el siguiente enlace:
mail-reset-instructions-link = Restablecer mi contraseña

## mail/reset_notice

mail-reset-notice-body = Se ha restablecido su contraseña.

## mail/change_notice

mail-change-notice-body = Se ha cambiado su contraseña.
mail-change-notice-not-you = Si no cambió su contraseña, restablézcala ahora:
mail-change-notice-reset = Restablecer mi contraseña

## mail/change_username_notice

mail-change-username-notice-body = Su nombre de usuario se ha cambiado a { $username }.
mail-change-username-notice-not-you = Si no realizó este cambio, póngase en contacto con nosotros y restablezca su contraseña.

## mail/username_recovery

mail-username-recovery-intro = Su nombre de usuario es:

## mail/change_email_instructions

mail-change-email-instructions-intro = Para confirmar su nueva dirección de correo electrónico, use el siguiente enlace:
mail-change-email-instructions-link = Confirmar mi nueva dirección de correo electrónico
mail-change-email-instructions-current = Su dirección de correo electrónico registrada actualmente es { $email }.

## mail/two_factor_rescue

mail-two-factor-rescue-body = { $email } no puede iniciar sesión: ha perdido el acceso a su segundo factor y pide ayuda.

## mail/us_instructions

mail-us-instructions-or-link = O inicie sesión con este enlace:
mail-us-instructions-sign-in = Iniciar sesión
mail-us-instructions-expires = Este código y el enlace caducarán en { $within }.

## Durations ("2 días", "1 hora y 30 minutos"): $rest is a comma-separated list.

duration-day = { $n ->
    [one] { $n } día
   *[other] { $n } días
}
duration-hour = { $n ->
    [one] { $n } hora
   *[other] { $n } horas
}
duration-minute = { $n ->
    [one] { $n } minuto
   *[other] { $n } minutos
}
duration-second = { $n ->
    [one] { $n } segundo
   *[other] { $n } segundos
}
duration-list = { $rest } y { $last }

## Llaves de acceso y llaves de seguridad (WebAuthn).

title-passkeys = Llaves de acceso y llaves de seguridad
title-passkey-sign-in = Iniciar sesión con una llave de acceso
title-passkey-verify = Confirmar con una llave de acceso
wan-registered = Sus llaves de acceso y llaves de seguridad
wan-name = Nombre
wan-usage = Uso
wan-last-used = Último uso
wan-actions = Acciones
wan-synced = sincronizada
wan-usage-first = Llave de acceso: iniciar sesión sin contraseña
wan-usage-secondary = Llave de seguridad: segundo paso tras la contraseña
wan-delete = Eliminar
wan-delete-named = Eliminar «{ $name }»
wan-none = Todavía no tiene llaves de acceso ni llaves de seguridad.
wan-add = Añadir una llave de acceso o de seguridad
wan-add-submit = Añadir
wan-identity-hint = Opcional: su correo electrónico o nombre de usuario, si su llave de acceso no se ofrece sola.
wan-signin-submit = Iniciar sesión con una llave de acceso
wan-verify-intro = Use una de sus llaves de acceso o de seguridad para confirmar que es usted.
wan-verify-submit = Usar una llave de acceso
wan-ceremony-wait = Siga las indicaciones de su navegador para usar su llave de acceso o de seguridad.
wan-ceremony-failed = No se usó la llave de acceso (cancelada, tiempo agotado o no disponible).
wan-ceremony-retry = Reintentar
account-passkeys = Llaves de acceso y llaves de seguridad
wan-secondary-intro = Use su llave de seguridad para terminar de iniciar sesión.
method-webauthn = Llave de seguridad
wan-created = Añadida
wan-device = Dispositivo
wan-device-single = Solo este dispositivo
wan-device-multi = Se puede sincronizar entre dispositivos
wan-rename = Cambiar nombre
wan-rename-named = Cambiar el nombre de «{ $name }»
wan-new-name = Nombre nuevo

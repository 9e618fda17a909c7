//! The OpenAPI 3.1 description of the mounted endpoints (`GET /openapi.json`), built with
//! utoipa from the same code that mounts them: each `route` of the flows' router names its
//! operations with their request and response types (`flows/wire.rs`), so a disabled flow is
//! neither mounted nor described, and a mounted one cannot be left out.

use utoipa::ToSchema;
use utoipa::openapi::path::{
    HttpMethod, Operation, OperationBuilder, ParameterBuilder, ParameterIn,
};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::schema::{ObjectBuilder, Schema, SchemaType, Type};
use utoipa::openapi::{
    ComponentsBuilder, ContentBuilder, InfoBuilder, OpenApi, OpenApiBuilder, Paths, RefOr, Required,
};

/// A schema and the named schemas it refers to.
#[derive(Clone, Copy)]
pub(crate) struct Body {
    name: fn() -> String,
    schema: fn() -> RefOr<Schema>,
    schemas: fn(&mut Vec<(String, RefOr<Schema>)>),
}

impl Body {
    pub(crate) fn of<T: ToSchema>() -> Self {
        Self {
            name: || T::name().into_owned(),
            schema: T::schema,
            schemas: T::schemas,
        }
    }
}

/// One documented operation of a route.
#[derive(Clone)]
pub(crate) struct Op {
    method: HttpMethod,
    summary: &'static str,
    request: Option<Body>,
    response: Option<Body>,
    query: &'static [&'static str],
}

impl Op {
    /// `GET`, answering `response`.
    pub(crate) fn get(summary: &'static str, response: Option<Body>) -> Self {
        Self {
            method: HttpMethod::Get,
            summary,
            request: None,
            response,
            query: &[],
        }
    }

    /// `POST` of `request`, answering `response`.
    pub(crate) fn post(
        summary: &'static str,
        request: Option<Body>,
        response: Option<Body>,
    ) -> Self {
        Self {
            method: HttpMethod::Post,
            summary,
            request,
            response,
            query: &[],
        }
    }

    /// Optional query parameters it reads.
    pub(crate) fn query(mut self, names: &'static [&'static str]) -> Self {
        self.query = names;
        self
    }
}

/// The description being built, route by route.
#[derive(Default)]
pub(crate) struct Api {
    paths: Paths,
    schemas: Vec<(String, RefOr<Schema>)>,
}

fn envelope(response: RefOr<Schema>) -> RefOr<Schema> {
    let meta = ObjectBuilder::new()
        .property(
            "code",
            ObjectBuilder::new().schema_type(SchemaType::Type(Type::Integer)),
        )
        .required("code");
    ObjectBuilder::new()
        .property("meta", meta)
        .required("meta")
        .property("response", response)
        .required("response")
        .into()
}

fn errors_body() -> RefOr<Schema> {
    let string = || ObjectBuilder::new().schema_type(SchemaType::Type(Type::String));
    let list = utoipa::openapi::schema::ArrayBuilder::new().items(string());
    let field_errors = ObjectBuilder::new().additional_properties(Some(
        utoipa::openapi::schema::ArrayBuilder::new().items(string()),
    ));
    ObjectBuilder::new()
        .property("errors", list)
        .property("field_errors", field_errors)
        .property(
            "retry_after",
            ObjectBuilder::new().schema_type(SchemaType::Type(Type::Integer)),
        )
        .into()
}

fn html() -> ContentBuilder {
    ContentBuilder::new().schema(Some(
        ObjectBuilder::new().schema_type(SchemaType::Type(Type::String)),
    ))
}

/// The statuses every operation can answer besides its success (all in the envelope for JSON
/// clients, a page for browsers).
const ERRORS: &[(&str, &str)] = &[
    (
        "400",
        "Invalid input (`errors`, `field_errors`), a CSRF failure, or a bad link",
    ),
    ("401", "Not signed in"),
    ("403", "Signed in without the required roles or permissions"),
    ("404", "Not found"),
    ("405", "Method not allowed (`Allow` lists the allowed ones)"),
    ("413", "Body too large"),
    ("415", "Unsupported body type"),
    ("429", "Too many attempts (`Retry-After`, `retry_after`)"),
    ("431", "Request headers too large"),
    ("500", "Server error (a mail that could not be sent)"),
    (
        "503",
        "A backend is unavailable, or the request took too long",
    ),
];

impl Api {
    /// Describe `path` with `ops`.
    pub(crate) fn add(&mut self, path: &str, ops: &[Op]) {
        let params: Vec<String> = path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(str::to_owned)
            .collect();
        for op in ops {
            let mut b = OperationBuilder::new()
                .summary(Some(op.summary))
                .operation_id(Some(format!(
                    "{}{}",
                    method_name(&op.method),
                    path.replace(['/', '{', '}', '-'], "_")
                )));
            for p in &params {
                b = b.parameter(
                    ParameterBuilder::new()
                        .name(p)
                        .parameter_in(ParameterIn::Path)
                        .required(Required::True)
                        .schema(Some(
                            ObjectBuilder::new().schema_type(SchemaType::Type(Type::String)),
                        )),
                );
            }
            for q in op.query {
                b = b.parameter(
                    ParameterBuilder::new()
                        .name(*q)
                        .parameter_in(ParameterIn::Query)
                        .required(Required::False)
                        .schema(Some(
                            ObjectBuilder::new().schema_type(SchemaType::Type(Type::String)),
                        )),
                );
            }
            if let Some(req) = op.request {
                (req.schemas)(&mut self.schemas);
                self.schemas.push(((req.name)(), (req.schema)()));
                let reference = RefOr::Ref(utoipa::openapi::Ref::from_schema_name((req.name)()));
                b = b.request_body(Some(
                    RequestBodyBuilder::new()
                        .content(
                            "application/json",
                            ContentBuilder::new()
                                .schema(Some(reference.clone()))
                                .build(),
                        )
                        .content(
                            "application/x-www-form-urlencoded",
                            ContentBuilder::new().schema(Some(reference)).build(),
                        )
                        .build(),
                ));
            }
            let ok = match op.response {
                Some(res) => {
                    (res.schemas)(&mut self.schemas);
                    self.schemas.push(((res.name)(), (res.schema)()));
                    RefOr::Ref(utoipa::openapi::Ref::from_schema_name((res.name)()))
                }
                None => ObjectBuilder::new().into(),
            };
            b = b.response(
                "200",
                ResponseBuilder::new()
                    .description("Done (JSON clients); the page (browsers)")
                    .content(
                        "application/json",
                        ContentBuilder::new().schema(Some(envelope(ok))).build(),
                    )
                    .content("text/html", html().build())
                    .content("text/plain", html().build())
                    .build(),
            );
            b = b.response(
                "302",
                ResponseBuilder::new()
                    .description("A redirect (browsers, mailed links, signed-in users)")
                    .build(),
            );
            for (status, what) in ERRORS {
                b = b.response(
                    *status,
                    ResponseBuilder::new()
                        .description(*what)
                        .content(
                            "application/json",
                            ContentBuilder::new()
                                .schema(Some(envelope(errors_body())))
                                .build(),
                        )
                        .content("text/html", html().build())
                        .content("text/plain", html().build())
                        .build(),
                );
            }
            let operation: Operation = b.build();
            self.paths
                .add_path_operation(path, vec![op.method.clone()], operation);
        }
    }

    /// The OpenAPI 3.1 document.
    pub(crate) fn document(self) -> OpenApi {
        let mut components = ComponentsBuilder::new();
        for (name, schema) in self.schemas {
            components = components.schema(name, schema);
        }
        OpenApiBuilder::new()
            .info(
                InfoBuilder::new()
                    .title("portcullis")
                    .version(env!("CARGO_PKG_VERSION"))
                    .description(Some(
                        "Flask-Security-compatible authentication: the endpoints this \
                         configuration mounts. JSON answers are `{\"meta\":{\"code\":N},\
                         \"response\":{...}}`.",
                    ))
                    .build(),
            )
            .paths(self.paths)
            .components(Some(components.build()))
            .build()
    }
}

fn method_name(m: &HttpMethod) -> &'static str {
    match m {
        HttpMethod::Get => "get",
        HttpMethod::Post => "post",
        HttpMethod::Put => "put",
        HttpMethod::Delete => "delete",
        HttpMethod::Options => "options",
        HttpMethod::Head => "head",
        HttpMethod::Patch => "patch",
        HttpMethod::Trace => "trace",
    }
}

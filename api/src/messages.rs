//! The catalogue of what a client is told when a request is refused: a stable machine key
//! (`extensions.reason`) per kind of refusal, its `extensions.code`, and its message in
//! zh-CN (the default) and in English (`Accept-Language` preferring English).
//!
//! Hand-written matches, no crate and no message files: every arm of [`Reason::texts`]
//! must give both languages, so a reason without its English (or Chinese) does not compile,
//! and the parameters are typed fields that both sentences use.
//!
//! Parameters are numbers, dates, our own names (columns, states) or texts the server
//! bounded when they were stored (a question's prompt): never raw request input.

use std::borrow::Cow;
use std::future::Future;

use crate::error::Code;

/// The language of one request's messages.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Locale {
    #[default]
    ZhCn,
    En,
}

tokio::task_local! {
    /// Scoped by the HTTP handler around a request's whole execution: resolvers run in
    /// the handler's task, so errors made there read it when they become GraphQL errors.
    static LOCALE: Locale;
}

impl Locale {
    /// The locale of the running request; zh-CN outside one (tests, background work).
    pub fn current() -> Locale {
        LOCALE.try_with(|locale| *locale).unwrap_or_default()
    }

    /// Runs `work` with this locale as [`Locale::current`].
    pub async fn scope<F: Future>(self, work: F) -> F::Output {
        LOCALE.scope(self, work).await
    }

    /// From an `Accept-Language` value: English when English has a higher quality than
    /// Chinese (an absent language counts 0; `*` counts for both); otherwise, and for
    /// anything unreadable, zh-CN.
    pub fn from_accept_language(header: Option<&str>) -> Locale {
        let Some(header) = header else {
            return Locale::ZhCn;
        };
        let (mut en, mut zh, mut any) = (0.0f32, 0.0f32, 0.0f32);
        // Bounded like every header: a few dozen ranges are plenty.
        for range in header.split(',').take(32) {
            let mut parts = range.split(';');
            let tag = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            let quality = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .filter(|q| (0.0..=1.0).contains(q))
                .unwrap_or(1.0);
            let primary = tag.split('-').next().unwrap_or("");
            match primary {
                "en" => en = en.max(quality),
                "zh" => zh = zh.max(quality),
                "*" => any = any.max(quality),
                _ => {}
            }
        }
        if en == 0.0 && zh == 0.0 {
            en = any;
            zh = any;
        }
        if en > zh { Locale::En } else { Locale::ZhCn }
    }
}

/// What a refusal was about, when the thing asked for does not exist (or is not the
/// viewer's to see).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Thing {
    Activity,
    Appeal,
    CareRecipient,
    Category,
    Community,
    Correction,
    Department,
    Feed,
    Pairing,
    Photo,
    Plan,
    Proof,
    Rectification,
    Registration,
    ServiceRecord,
    Session,
    Survey,
    User,
    Volunteer,
    Year,
}

impl Thing {
    pub const ALL: [Thing; 20] = [
        Thing::Activity,
        Thing::Appeal,
        Thing::CareRecipient,
        Thing::Category,
        Thing::Community,
        Thing::Correction,
        Thing::Department,
        Thing::Feed,
        Thing::Pairing,
        Thing::Photo,
        Thing::Plan,
        Thing::Proof,
        Thing::Rectification,
        Thing::Registration,
        Thing::ServiceRecord,
        Thing::Session,
        Thing::Survey,
        Thing::User,
        Thing::Volunteer,
        Thing::Year,
    ];

    /// (`extensions.reason`, zh, en)
    fn names(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Thing::Activity => ("ACTIVITY_NOT_FOUND", "活动", "activity"),
            Thing::Appeal => ("APPEAL_NOT_FOUND", "申诉", "appeal"),
            Thing::CareRecipient => ("CARE_RECIPIENT_NOT_FOUND", "帮扶对象", "care recipient"),
            Thing::Category => ("CATEGORY_NOT_FOUND", "专项行动", "category"),
            Thing::Community => ("COMMUNITY_NOT_FOUND", "社区", "community"),
            Thing::Correction => ("CORRECTION_NOT_FOUND", "更正申请", "correction"),
            Thing::Department => ("DEPARTMENT_NOT_FOUND", "科室", "department"),
            Thing::Feed => ("FEED_NOT_FOUND", "日历订阅", "calendar feed"),
            Thing::Pairing => ("PAIRING_NOT_FOUND", "结对关系", "pairing"),
            Thing::Photo => ("PHOTO_NOT_FOUND", "照片", "photo"),
            Thing::Plan => ("PLAN_NOT_FOUND", "活动方案", "plan"),
            Thing::Proof => ("PROOF_NOT_FOUND", "志愿服务证明", "service proof"),
            Thing::Rectification => ("RECTIFICATION_NOT_FOUND", "整改", "rectification"),
            Thing::Registration => ("REGISTRATION_NOT_FOUND", "报名记录", "registration"),
            Thing::ServiceRecord => ("SERVICE_RECORD_NOT_FOUND", "服务记录", "service record"),
            Thing::Session => ("SESSION_NOT_FOUND", "登录设备", "session"),
            Thing::Survey => ("SURVEY_NOT_FOUND", "调查", "survey"),
            Thing::User => ("USER_NOT_FOUND", "用户", "user"),
            Thing::Volunteer => ("VOLUNTEER_NOT_FOUND", "志愿者", "volunteer"),
            Thing::Year => ("YEAR_NOT_FOUND", "年份", "year"),
        }
    }
}

/// Every kind of refusal a client can receive. Input bounds share a few reasons and
/// `extensions.field` says which input; rules of the domain have one each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    // Signing in and who may do what.
    LoginRequired,
    WrongPassword,
    TokenExpired,
    TokenInvalid,
    SessionExpired,
    RoleForbidden,
    NoDepartment,
    NotOwnDepartment,
    NotPartyMember,
    VolunteerRequired,
    OwnerOnly,
    WechatNotConfigured,
    ImportDepartmentUnknown {
        line: usize,
        name: String,
    },
    ImportNotOwnDepartment {
        line: usize,
    },
    NotFound(Thing),

    // Bounds of inputs (with `extensions.field`).
    Required,
    TooLong {
        max: usize,
    },
    TooMany {
        max: usize,
    },
    TooFew {
        min: usize,
    },
    OutOfRange {
        min: i64,
        max: i64,
    },
    YearOutOfRange,
    Negative,
    ForbiddenCharacters,
    InvalidFormat,
    InvalidId,
    InvalidPhone,
    PasswordLength {
        min: usize,
        max: usize,
    },
    InvalidName {
        max: usize,
    },
    UnknownReference,
    InvalidCursor,
    FileTooLarge {
        max_mib: usize,
    },
    NotAnImage,
    PagingBothWays,
    PhoneCodeRequired,
    PhoneCodeWrong,
    SmsNotConfigured,
    WechatTemplateUnknown,
    WechatNotBound,
    Duplicate,
    TimeOrder,
    NoteRequired,
    TableUnreadable,
    TableMissingColumns {
        columns: String,
    },
    TableEmpty,
    TooManyRows {
        max: usize,
    },
    RowUnreadable {
        line: usize,
    },
    InvalidDate,
    DateInFuture,
    InvalidSatisfactionLevel,
    HoursRange {
        max: i64,
    },
    StartRequired,
    RegistrationWindow,
    CancelReasonRequired {
        max: usize,
    },
    PhoneCharacters,
    ThresholdsNotIncreasing,
    InvalidTableRow {
        line: usize,
        column: &'static str,
        problem: Box<Reason>,
    },
    TableTooLarge {
        max_kib: usize,
    },

    // Accounts.
    CurrentPasswordWrong,
    PhoneTaken,
    DepartmentNameTaken,
    CommunityNameTaken,
    PhoneInUse,
    NoPassword,
    NoPhone,
    RoleNotGrantable,
    DepartmentOnlyForOrganizers,
    OrganizerNeedsDepartment,
    LastAdmin,
    AlreadyEnrolled,
    WechatCodeInvalid,
    WechatCodeMissing,
    WechatPhoneNotMainland,

    // Activities, registrations and hours.
    ActivityLocked,
    ActivityNotStarted,
    ActivityNoDate,
    ActivityNotPublished,
    InvalidStatusChange {
        from: String,
        to: String,
    },
    PairingNotOfLeadDepartment,
    CommitmentNotOfPairing,
    QuarterNotOver,
    CareHoursReviewed,
    RegistrationClosed,
    RegistrationNotOpen,
    RegistrationUnpublished,
    AlreadyRegistered,
    RegistrationAlreadyCancelled,
    RegistrationNotCancellable,
    CheckInClosed,
    CheckInCodeWrong,
    NotRegistered,
    NotCheckedIn,
    AlreadyCheckedOut,
    HoursRecordedByOrganizer,
    HoursNotEditable,
    ServiceDateOutsideActivity {
        first: String,
        last: String,
    },
    ServiceRecordExists,
    AlreadyReviewed,
    HoursNeeded {
        record: i32,
    },
    CorrectionOfPendingRecord,
    CorrectionPending,
    CorrectionAnswered,
    SummaryBeforeCompletion,

    // Surveys, rectifications, appeals.
    SurveyNotOpen,
    SurveyDraft,
    SurveyNoSatisfactionQuestion,
    AlreadyAnswered,
    QuestionNotInSurvey,
    AnsweredTwice,
    AnswerRequired {
        prompt: String,
    },
    AnswerInvalid {
        prompt: String,
        problem: Box<Reason>,
    },
    AnswerKind,
    ChooseOne,
    UnknownOption,
    ResolutionOnlyWhenResolved,
    VolunteerNotServed,
    AnsweredOnInFuture,
    AnsweredOnNotToday,
    AnsweredOnOutsideSurvey,
    RequestIdReused,
    ImportBusy,
    OnlyChoiceHasOptions,
    OverallNotSatisfaction,
    OverallTwice,
    RectificationNotOpen,
    RectificationNotRejected,
    RectificationNotResolved,
    RectificationFinished,
    AlreadyFollowedUp,
    AlreadyAppealed,
    AppealReviewed,
    ProofNoHours,
    ProofRevoked,
    PairingOverlaps,
    RecordExists,
    HolidayNameRequired,
    OutsideCalendar,

    // The request itself.
    RateLimited {
        retry_after_secs: u64,
    },
    InvalidQuery {
        detail: String,
    },
    InvalidArgument {
        detail: String,
    },
    QueryTooLarge {
        max_kib: usize,
    },
    TooDeep {
        max: usize,
    },
    NotJson,
    NotGraphqlRequest,
    BatchSize {
        max: usize,
    },
    SignInInBatch,
    OneSignInPerRequest,
    MutationOverGet,
    UnsupportedMediaType,
    NotAcceptable,
    QueryMissing,
    PersistedQueryNotFound,
    PersistedQueryMismatch,
    PersistedQueryHash,
    /// The server cannot render a proof's PDF: its Chinese font is not where the
    /// configuration says (TONGXIN_PROOF_FONT), or is no font.
    ProofFontMissing,
    Internal,
}

fn s(text: &'static str) -> Cow<'static, str> {
    Cow::Borrowed(text)
}

impl Reason {
    /// The reasons with sample parameters, one per key: what the catalogue test and the
    /// README table walk through.
    pub fn samples() -> Vec<Reason> {
        use Reason::*;
        let mut all = vec![
            LoginRequired,
            WrongPassword,
            TokenExpired,
            TokenInvalid,
            SessionExpired,
            RoleForbidden,
            NoDepartment,
            NotOwnDepartment,
            NotPartyMember,
            VolunteerRequired,
            OwnerOnly,
            WechatNotConfigured,
            ImportDepartmentUnknown {
                line: 3,
                name: "社会事务科".to_owned(),
            },
            ImportNotOwnDepartment { line: 3 },
        ];
        all.extend(Thing::ALL.map(NotFound));
        all.extend([
            Required,
            TooLong { max: 100 },
            TooMany { max: 20 },
            TooFew { min: 1 },
            OutOfRange { min: 0, max: 24 },
            YearOutOfRange,
            Negative,
            ForbiddenCharacters,
            InvalidFormat,
            InvalidId,
            InvalidPhone,
            PasswordLength { min: 8, max: 128 },
            InvalidName { max: 32 },
            UnknownReference,
            InvalidCursor,
            FileTooLarge { max_mib: 4 },
            NotAnImage,
            PagingBothWays,
            PhoneCodeRequired,
            PhoneCodeWrong,
            SmsNotConfigured,
            WechatTemplateUnknown,
            WechatNotBound,
            Duplicate,
            TimeOrder,
            NoteRequired,
            TableUnreadable,
            TableMissingColumns {
                columns: "活动主题".to_owned(),
            },
            TableEmpty,
            TooManyRows { max: 500 },
            RowUnreadable { line: 3 },
            InvalidDate,
            DateInFuture,
            InvalidSatisfactionLevel,
            HoursRange { max: 24 },
            StartRequired,
            RegistrationWindow,
            CancelReasonRequired { max: 1000 },
            PhoneCharacters,
            ThresholdsNotIncreasing,
            InvalidTableRow {
                line: 3,
                column: "活动主题",
                problem: Box::new(TooLong { max: 100 }),
            },
            TableTooLarge { max_kib: 1024 },
            CurrentPasswordWrong,
            PhoneTaken,
            DepartmentNameTaken,
            CommunityNameTaken,
            PhoneInUse,
            NoPassword,
            NoPhone,
            RoleNotGrantable,
            DepartmentOnlyForOrganizers,
            OrganizerNeedsDepartment,
            LastAdmin,
            AlreadyEnrolled,
            WechatCodeInvalid,
            WechatCodeMissing,
            WechatPhoneNotMainland,
            ActivityLocked,
            ActivityNotStarted,
            ActivityNoDate,
            ActivityNotPublished,
            InvalidStatusChange {
                from: "DRAFT".to_owned(),
                to: "COMPLETED".to_owned(),
            },
            PairingNotOfLeadDepartment,
            CommitmentNotOfPairing,
            QuarterNotOver,
            CareHoursReviewed,
            RegistrationClosed,
            RegistrationNotOpen,
            RegistrationUnpublished,
            AlreadyRegistered,
            RegistrationAlreadyCancelled,
            RegistrationNotCancellable,
            CheckInClosed,
            CheckInCodeWrong,
            NotRegistered,
            NotCheckedIn,
            AlreadyCheckedOut,
            HoursRecordedByOrganizer,
            HoursNotEditable,
            ServiceDateOutsideActivity {
                first: "2026-05-01".to_owned(),
                last: "2026-05-03".to_owned(),
            },
            ServiceRecordExists,
            AlreadyReviewed,
            HoursNeeded { record: 7 },
            CorrectionOfPendingRecord,
            CorrectionPending,
            CorrectionAnswered,
            SummaryBeforeCompletion,
            SurveyNotOpen,
            SurveyDraft,
            SurveyNoSatisfactionQuestion,
            AlreadyAnswered,
            QuestionNotInSurvey,
            AnsweredTwice,
            AnswerRequired {
                prompt: "您对本次活动满意吗？".to_owned(),
            },
            AnswerInvalid {
                prompt: "您对本次活动满意吗？".to_owned(),
                problem: Box::new(ChooseOne),
            },
            AnswerKind,
            ChooseOne,
            UnknownOption,
            ResolutionOnlyWhenResolved,
            VolunteerNotServed,
            AnsweredOnInFuture,
            AnsweredOnNotToday,
            AnsweredOnOutsideSurvey,
            RequestIdReused,
            ImportBusy,
            OnlyChoiceHasOptions,
            OverallNotSatisfaction,
            OverallTwice,
            RectificationNotOpen,
            RectificationNotRejected,
            RectificationNotResolved,
            RectificationFinished,
            AlreadyFollowedUp,
            AlreadyAppealed,
            AppealReviewed,
            ProofNoHours,
            ProofRevoked,
            PairingOverlaps,
            RecordExists,
            HolidayNameRequired,
            OutsideCalendar,
            RateLimited {
                retry_after_secs: 60,
            },
            InvalidQuery {
                detail: "Unknown field \"x\"".to_owned(),
            },
            InvalidArgument {
                detail: "expected type \"Int\"".to_owned(),
            },
            QueryTooLarge { max_kib: 64 },
            TooDeep { max: 16 },
            NotJson,
            NotGraphqlRequest,
            BatchSize { max: 5 },
            SignInInBatch,
            OneSignInPerRequest,
            MutationOverGet,
            UnsupportedMediaType,
            NotAcceptable,
            QueryMissing,
            PersistedQueryNotFound,
            PersistedQueryMismatch,
            PersistedQueryHash,
            ProofFontMissing,
            Internal,
        ]);
        all
    }

    /// `extensions.reason`: stable, what the apps branch on.
    pub fn key(&self) -> &'static str {
        use Reason::*;
        match self {
            LoginRequired => "LOGIN_REQUIRED",
            WrongPassword => "WRONG_PASSWORD",
            TokenExpired => "TOKEN_EXPIRED",
            TokenInvalid => "TOKEN_INVALID",
            SessionExpired => "SESSION_EXPIRED",
            RoleForbidden => "ROLE_FORBIDDEN",
            NoDepartment => "NO_DEPARTMENT",
            NotOwnDepartment => "NOT_OWN_DEPARTMENT",
            NotPartyMember => "NOT_PARTY_MEMBER",
            VolunteerRequired => "VOLUNTEER_REQUIRED",
            OwnerOnly => "OWNER_ONLY",
            WechatNotConfigured => "WECHAT_NOT_CONFIGURED",
            ImportDepartmentUnknown { .. } => "IMPORT_DEPARTMENT_UNKNOWN",
            ImportNotOwnDepartment { .. } => "IMPORT_NOT_OWN_DEPARTMENT",
            NotFound(thing) => thing.names().0,
            Required => "REQUIRED",
            TooLong { .. } => "TOO_LONG",
            TooMany { .. } => "TOO_MANY",
            TooFew { .. } => "TOO_FEW",
            OutOfRange { .. } => "OUT_OF_RANGE",
            YearOutOfRange => "YEAR_OUT_OF_RANGE",
            Negative => "NEGATIVE",
            ForbiddenCharacters => "FORBIDDEN_CHARACTERS",
            InvalidFormat => "INVALID_FORMAT",
            InvalidId => "INVALID_ID",
            InvalidPhone => "INVALID_PHONE",
            PasswordLength { .. } => "PASSWORD_LENGTH",
            InvalidName { .. } => "INVALID_NAME",
            UnknownReference => "UNKNOWN_REFERENCE",
            InvalidCursor => "INVALID_CURSOR",
            FileTooLarge { .. } => "FILE_TOO_LARGE",
            NotAnImage => "NOT_AN_IMAGE",
            PagingBothWays => "PAGING_BOTH_WAYS",
            PhoneCodeRequired => "PHONE_CODE_REQUIRED",
            PhoneCodeWrong => "PHONE_CODE_WRONG",
            SmsNotConfigured => "SMS_NOT_CONFIGURED",
            WechatTemplateUnknown => "WECHAT_TEMPLATE_UNKNOWN",
            WechatNotBound => "WECHAT_NOT_BOUND",
            Duplicate => "DUPLICATE",
            TimeOrder => "TIME_ORDER",
            NoteRequired => "NOTE_REQUIRED",
            TableUnreadable => "TABLE_UNREADABLE",
            TableMissingColumns { .. } => "TABLE_MISSING_COLUMNS",
            TableEmpty => "TABLE_EMPTY",
            TooManyRows { .. } => "TOO_MANY_ROWS",
            RowUnreadable { .. } => "ROW_UNREADABLE",
            InvalidDate => "INVALID_DATE",
            DateInFuture => "DATE_IN_FUTURE",
            InvalidSatisfactionLevel => "INVALID_SATISFACTION_LEVEL",
            HoursRange { .. } => "HOURS_OUT_OF_RANGE",
            StartRequired => "START_REQUIRED",
            RegistrationWindow => "REGISTRATION_WINDOW",
            CancelReasonRequired { .. } => "CANCEL_REASON_REQUIRED",
            PhoneCharacters => "PHONE_CHARACTERS",
            ThresholdsNotIncreasing => "THRESHOLDS_NOT_INCREASING",
            InvalidTableRow { .. } => "INVALID_TABLE_ROW",
            TableTooLarge { .. } => "TABLE_TOO_LARGE",
            CurrentPasswordWrong => "CURRENT_PASSWORD_WRONG",
            PhoneTaken => "PHONE_TAKEN",
            DepartmentNameTaken => "DEPARTMENT_NAME_TAKEN",
            CommunityNameTaken => "COMMUNITY_NAME_TAKEN",
            PhoneInUse => "PHONE_IN_USE",
            NoPassword => "NO_PASSWORD",
            NoPhone => "NO_PHONE",
            RoleNotGrantable => "ROLE_NOT_GRANTABLE",
            DepartmentOnlyForOrganizers => "DEPARTMENT_ONLY_FOR_ORGANIZERS",
            OrganizerNeedsDepartment => "ORGANIZER_NEEDS_DEPARTMENT",
            LastAdmin => "LAST_ADMIN",
            AlreadyEnrolled => "ALREADY_ENROLLED",
            WechatCodeInvalid => "WECHAT_CODE_INVALID",
            WechatCodeMissing => "WECHAT_CODE_MISSING",
            WechatPhoneNotMainland => "WECHAT_PHONE_NOT_MAINLAND",
            ActivityLocked => "ACTIVITY_LOCKED",
            ActivityNotStarted => "ACTIVITY_NOT_STARTED",
            ActivityNoDate => "ACTIVITY_NO_DATE",
            ActivityNotPublished => "ACTIVITY_NOT_PUBLISHED",
            InvalidStatusChange { .. } => "INVALID_STATUS_CHANGE",
            PairingNotOfLeadDepartment => "PAIRING_NOT_OF_LEAD_DEPARTMENT",
            CommitmentNotOfPairing => "COMMITMENT_NOT_OF_PAIRING",
            QuarterNotOver => "QUARTER_NOT_OVER",
            CareHoursReviewed => "CARE_HOURS_REVIEWED",
            RegistrationClosed => "REGISTRATION_CLOSED",
            RegistrationNotOpen => "REGISTRATION_NOT_OPEN",
            RegistrationUnpublished => "REGISTRATION_UNPUBLISHED",
            AlreadyRegistered => "ALREADY_REGISTERED",
            RegistrationAlreadyCancelled => "REGISTRATION_ALREADY_CANCELLED",
            RegistrationNotCancellable => "REGISTRATION_NOT_CANCELLABLE",
            CheckInClosed => "CHECK_IN_CLOSED",
            CheckInCodeWrong => "CHECK_IN_CODE_WRONG",
            NotRegistered => "NOT_REGISTERED",
            NotCheckedIn => "NOT_CHECKED_IN",
            AlreadyCheckedOut => "ALREADY_CHECKED_OUT",
            HoursRecordedByOrganizer => "HOURS_RECORDED_BY_ORGANIZER",
            HoursNotEditable => "HOURS_NOT_EDITABLE",
            ServiceDateOutsideActivity { .. } => "SERVICE_DATE_OUTSIDE_ACTIVITY",
            ServiceRecordExists => "SERVICE_RECORD_EXISTS",
            AlreadyReviewed => "ALREADY_REVIEWED",
            HoursNeeded { .. } => "HOURS_NEEDED",
            CorrectionOfPendingRecord => "CORRECTION_OF_PENDING_RECORD",
            CorrectionPending => "CORRECTION_PENDING",
            CorrectionAnswered => "CORRECTION_ANSWERED",
            SummaryBeforeCompletion => "SUMMARY_BEFORE_COMPLETION",
            SurveyNotOpen => "SURVEY_NOT_OPEN",
            SurveyDraft => "SURVEY_DRAFT",
            SurveyNoSatisfactionQuestion => "SURVEY_NO_SATISFACTION_QUESTION",
            AlreadyAnswered => "ALREADY_ANSWERED",
            QuestionNotInSurvey => "QUESTION_NOT_IN_SURVEY",
            AnsweredTwice => "ANSWERED_TWICE",
            AnswerRequired { .. } => "ANSWER_REQUIRED",
            AnswerInvalid { .. } => "ANSWER_INVALID",
            AnswerKind => "ANSWER_KIND",
            ChooseOne => "CHOOSE_ONE",
            UnknownOption => "UNKNOWN_OPTION",
            ResolutionOnlyWhenResolved => "RESOLUTION_ONLY_WHEN_RESOLVED",
            VolunteerNotServed => "VOLUNTEER_NOT_SERVED",
            AnsweredOnInFuture => "ANSWERED_ON_IN_FUTURE",
            AnsweredOnNotToday => "ANSWERED_ON_NOT_TODAY",
            AnsweredOnOutsideSurvey => "ANSWERED_ON_OUTSIDE_SURVEY",
            RequestIdReused => "REQUEST_ID_REUSED",
            ImportBusy => "IMPORT_BUSY",
            OnlyChoiceHasOptions => "ONLY_CHOICE_HAS_OPTIONS",
            OverallNotSatisfaction => "OVERALL_NOT_SATISFACTION",
            OverallTwice => "OVERALL_TWICE",
            RectificationNotOpen => "RECTIFICATION_NOT_OPEN",
            RectificationNotRejected => "RECTIFICATION_NOT_REJECTED",
            RectificationNotResolved => "RECTIFICATION_NOT_RESOLVED",
            RectificationFinished => "RECTIFICATION_FINISHED",
            AlreadyFollowedUp => "ALREADY_FOLLOWED_UP",
            AlreadyAppealed => "ALREADY_APPEALED",
            AppealReviewed => "APPEAL_REVIEWED",
            ProofNoHours => "PROOF_NO_HOURS",
            ProofRevoked => "PROOF_REVOKED",
            PairingOverlaps => "PAIRING_OVERLAPS",
            RecordExists => "RECORD_EXISTS",
            HolidayNameRequired => "HOLIDAY_NAME_REQUIRED",
            OutsideCalendar => "OUTSIDE_CALENDAR",
            RateLimited { .. } => "RATE_LIMITED",
            InvalidQuery { .. } => "INVALID_QUERY",
            InvalidArgument { .. } => "INVALID_ARGUMENT",
            QueryTooLarge { .. } => "QUERY_TOO_LARGE",
            TooDeep { .. } => "TOO_DEEP",
            NotJson => "NOT_JSON",
            NotGraphqlRequest => "NOT_GRAPHQL_REQUEST",
            BatchSize { .. } => "BATCH_SIZE",
            SignInInBatch => "SIGN_IN_IN_BATCH",
            OneSignInPerRequest => "ONE_SIGN_IN_PER_REQUEST",
            MutationOverGet => "MUTATION_OVER_GET",
            UnsupportedMediaType => "UNSUPPORTED_MEDIA_TYPE",
            NotAcceptable => "NOT_ACCEPTABLE",
            QueryMissing => "QUERY_MISSING",
            PersistedQueryNotFound => "PERSISTED_QUERY_NOT_FOUND",
            PersistedQueryMismatch => "PERSISTED_QUERY_MISMATCH",
            PersistedQueryHash => "PERSISTED_QUERY_HASH",
            ProofFontMissing => "PROOF_FONT_MISSING",
            Internal => "INTERNAL_ERROR",
        }
    }

    /// `extensions.code`: one of the contract's closed set, fixed per reason.
    pub fn code(&self) -> Code {
        use Reason::*;
        match self {
            LoginRequired | WrongPassword | TokenExpired | TokenInvalid | SessionExpired => {
                Code::Unauthenticated
            }
            RoleForbidden
            | NoDepartment
            | NotOwnDepartment
            | NotPartyMember
            | VolunteerRequired
            | OwnerOnly
            | WechatNotConfigured
            | SmsNotConfigured
            | WechatNotBound
            | ImportDepartmentUnknown { .. }
            | ImportNotOwnDepartment { .. }
            | NotRegistered
            | VolunteerNotServed => Code::Forbidden,
            NotFound(_) => Code::NotFound,
            PhoneTaken
            | DepartmentNameTaken
            | CommunityNameTaken
            | PhoneInUse
            | NoPassword
            | NoPhone
            | LastAdmin
            | AlreadyEnrolled
            | ActivityLocked
            | ActivityNotStarted
            | ActivityNoDate
            | ActivityNotPublished
            | InvalidStatusChange { .. }
            | AlreadyRegistered
            | RegistrationAlreadyCancelled
            | RegistrationNotCancellable
            | CheckInClosed
            | NotCheckedIn
            | AlreadyCheckedOut
            | HoursRecordedByOrganizer
            | HoursNotEditable
            | ServiceRecordExists
            | AlreadyReviewed
            | CorrectionOfPendingRecord
            | CorrectionPending
            | CorrectionAnswered
            | SummaryBeforeCompletion
            | SurveyNotOpen
            | SurveyDraft
            | AlreadyAnswered
            | RequestIdReused
            | ImportBusy
            | RectificationNotOpen
            | RectificationNotRejected
            | RectificationNotResolved
            | RectificationFinished
            | AlreadyFollowedUp
            | AlreadyAppealed
            | AppealReviewed
            | ProofNoHours
            | ProofRevoked
            | PairingOverlaps
            | QuarterNotOver
            | CareHoursReviewed
            | RecordExists => Code::Conflict,
            RegistrationClosed | RegistrationNotOpen | RegistrationUnpublished => {
                Code::RegistrationClosed
            }
            RateLimited { .. } => Code::RateLimited,
            ProofFontMissing | Internal => Code::Internal,
            Required
            | TooLong { .. }
            | TooMany { .. }
            | TooFew { .. }
            | OutOfRange { .. }
            | YearOutOfRange
            | Negative
            | ForbiddenCharacters
            | InvalidFormat
            | InvalidId
            | InvalidPhone
            | PasswordLength { .. }
            | InvalidName { .. }
            | UnknownReference
            | InvalidCursor
            | FileTooLarge { .. }
            | NotAnImage
            | PagingBothWays
            | PhoneCodeRequired
            | PhoneCodeWrong
            | WechatTemplateUnknown
            | Duplicate
            | TimeOrder
            | NoteRequired
            | TableUnreadable
            | TableMissingColumns { .. }
            | TableEmpty
            | TooManyRows { .. }
            | RowUnreadable { .. }
            | InvalidDate
            | DateInFuture
            | InvalidSatisfactionLevel
            | HoursRange { .. }
            | StartRequired
            | RegistrationWindow
            | CancelReasonRequired { .. }
            | PhoneCharacters
            | ThresholdsNotIncreasing
            | AnswerKind
            | ChooseOne
            | UnknownOption
            | ResolutionOnlyWhenResolved
            | InvalidTableRow { .. }
            | TableTooLarge { .. }
            | CurrentPasswordWrong
            | RoleNotGrantable
            | DepartmentOnlyForOrganizers
            | OrganizerNeedsDepartment
            | WechatCodeInvalid
            | WechatCodeMissing
            | WechatPhoneNotMainland
            | PairingNotOfLeadDepartment
            | CommitmentNotOfPairing
            | CheckInCodeWrong
            | ServiceDateOutsideActivity { .. }
            | HoursNeeded { .. }
            | SurveyNoSatisfactionQuestion
            | QuestionNotInSurvey
            | AnsweredTwice
            | AnswerRequired { .. }
            | AnswerInvalid { .. }
            | AnsweredOnInFuture
            | AnsweredOnNotToday
            | AnsweredOnOutsideSurvey
            | OnlyChoiceHasOptions
            | OverallNotSatisfaction
            | OverallTwice
            | HolidayNameRequired
            | OutsideCalendar
            | InvalidQuery { .. }
            | InvalidArgument { .. }
            | QueryTooLarge { .. }
            | TooDeep { .. }
            | NotJson
            | NotGraphqlRequest
            | BatchSize { .. }
            | SignInInBatch
            | OneSignInPerRequest
            | MutationOverGet
            | UnsupportedMediaType
            | NotAcceptable
            | QueryMissing
            | PersistedQueryNotFound
            | PersistedQueryMismatch
            | PersistedQueryHash => Code::BadUserInput,
        }
    }

    /// The message in the given locale.
    pub fn message(&self, locale: Locale) -> String {
        let (zh, en) = self.texts();
        match locale {
            Locale::ZhCn => zh.into_owned(),
            Locale::En => en.into_owned(),
        }
    }

    /// The message in the running request's locale.
    pub fn message_now(&self) -> String {
        self.message(Locale::current())
    }

    /// (zh-CN, English): each arm must give both.
    pub fn texts(&self) -> (Cow<'static, str>, Cow<'static, str>) {
        use Reason::*;
        match self {
            LoginRequired => (s("请先登录"), s("Please sign in first")),
            WrongPassword => (
                s("手机号或密码不正确"),
                s("The phone number or password is incorrect"),
            ),
            TokenExpired => (
                s("登录已过期，请刷新会话或重新登录"),
                s("Your sign-in has expired; refresh the session or sign in again"),
            ),
            TokenInvalid => (
                s("访问令牌无效，请重新登录"),
                s("The access token is not valid; please sign in again"),
            ),
            SessionExpired => (
                s("会话已失效，请重新登录"),
                s("The session has ended; please sign in again"),
            ),
            RoleForbidden => (
                s("您的角色无权进行此操作"),
                s("Your role does not allow this"),
            ),
            NoDepartment => (
                s("您的账号尚未归属科室，请联系管理员"),
                s("Your account belongs to no department; please contact an administrator"),
            ),
            NotPartyMember => (
                s("只有登记为机关党员的志愿者可以到社区报到"),
                s("Only volunteers registered as party members of an organ report to a community"),
            ),
            NotOwnDepartment => (
                s("只能处理本科室的事项"),
                s("Organizers act only for their own department"),
            ),
            VolunteerRequired => (
                s("请先登记成为志愿者"),
                s("Please enroll as a volunteer first"),
            ),
            OwnerOnly => (
                s("只能查看本人的信息"),
                s("Only the owner may see this"),
            ),
            WechatNotConfigured => (
                s("本服务器未配置微信小程序"),
                s("WeChat sign-in is not configured on this server"),
            ),
            ImportDepartmentUnknown { line, name } => (
                format!("第{line}行：科室“{name}”不存在；只有管理员能通过导入新建科室").into(),
                format!("Row {line}: the department “{name}” does not exist; only administrators create departments by importing").into(),
            ),
            ImportNotOwnDepartment { line } => (
                format!("第{line}行：活动不由本科室牵头，组织者只能导入本科室牵头的活动").into(),
                format!("Row {line}: organizers import only activities their own department leads").into(),
            ),
            NotFound(thing) => {
                let (_, zh, en) = thing.names();
                (format!("{zh}不存在").into(), format!("The {en} does not exist").into())
            }
            Required => (s("不能为空"), s("This is required")),
            TooLong { max } => (
                format!("最多 {max} 个字符").into(),
                format!("At most {max} characters").into(),
            ),
            TooMany { max } => (
                format!("最多 {max} 项").into(),
                format!("At most {max} items").into(),
            ),
            TooFew { min } => (
                format!("至少需要 {min} 项").into(),
                format!("At least {min} required").into(),
            ),
            OutOfRange { min, max } => (
                format!("应在 {min} 至 {max} 之间").into(),
                format!("Must be between {min} and {max}").into(),
            ),
            YearOutOfRange => (
                s("日期应在 2000 至 2100 年之间"),
                s("The date must be between the years 2000 and 2100"),
            ),
            Negative => (s("不能为负数"), s("Must not be negative")),
            ForbiddenCharacters => (
                s("含有不允许的控制字符（如 NUL、ESC 或文字方向控制符）"),
                s("Contains control characters that are not allowed (such as NUL, ESC or text-direction controls)"),
            ),
            InvalidFormat => (s("格式不正确"), s("The format is not valid")),
            InvalidId => (s("编号无效"), s("Not a valid id")),
            InvalidPhone => (
                s("请输入 11 位中国大陆手机号"),
                s("Enter an 11-digit mainland China mobile number"),
            ),
            PasswordLength { min, max } => (
                format!("密码应为 {min} 至 {max} 个字符").into(),
                format!("The password needs {min} to {max} characters").into(),
            ),
            InvalidName { max } => (
                format!("姓名应为 1 至 {max} 个字符，写在一行，不含控制字符").into(),
                format!("The name must be 1 to {max} characters on one line, without control characters").into(),
            ),
            UnknownReference => (
                s("所选的记录不存在"),
                s("A referenced record does not exist"),
            ),
            InvalidCursor => (
                s("分页游标无效，请从第一页重新加载"),
                s("Not a cursor of this list; reload from the first page"),
            ),
            FileTooLarge { max_mib } => (
                format!("文件不能超过 {max_mib} MB").into(),
                format!("The file must not exceed {max_mib} MB").into(),
            ),
            NotAnImage => (
                s("只能上传 JPEG、PNG 或 WebP 格式的照片"),
                s("Only JPEG, PNG or WebP photos can be uploaded"),
            ),
            PagingBothWays => (
                s("first 与 last、after 与 before 不能同时使用"),
                s("Use first or last, and after or before, not both"),
            ),
            PhoneCodeRequired => (
                s("请先获取短信验证码，再填写验证码注册"),
                s("Ask for the code sent by SMS, then sign up with it"),
            ),
            PhoneCodeWrong => (
                s("验证码不正确或已过期"),
                s("The code is wrong or has expired"),
            ),
            WechatTemplateUnknown => (
                s("这类消息没有配置微信订阅消息模板"),
                s("No WeChat subscribe-message template is configured for this kind"),
            ),
            WechatNotBound => (
                s("请先用微信登录，才能接收微信订阅消息"),
                s("Sign in with WeChat first to receive WeChat messages"),
            ),
            SmsNotConfigured => (
                s("本服务器未配置短信，请用微信登录"),
                s("SMS is not configured on this server; sign in with WeChat"),
            ),
            Duplicate => (s("不能重复"), s("Must not repeat")),
            TimeOrder => (
                s("时间先后不正确：结束不能早于开始"),
                s("The times are out of order: an end cannot come before its start"),
            ),
            NoteRequired => (s("请说明理由"), s("Please give the reason")),
            TableUnreadable => (
                s("无法读取表格，请另存为 CSV（UTF-8）后重试"),
                s("The table cannot be read; save it as CSV (UTF-8) and try again"),
            ),
            TableMissingColumns { columns } => (
                format!("表头缺少这些列：{columns}").into(),
                format!("The header lacks these columns: {columns}").into(),
            ),
            TableEmpty => (
                s("表格中没有数据（只有表头？）"),
                s("The table has no rows (only a header?)"),
            ),
            TooManyRows { max } => (
                format!("一次最多导入 {max} 行").into(),
                format!("At most {max} rows per import").into(),
            ),
            RowUnreadable { line } => (
                format!("第{line}行无法读取").into(),
                format!("Row {line} cannot be read").into(),
            ),
            InvalidDate => (
                s("应为 2026-11-30 这样的日期"),
                s("Must be a date such as 2026-11-30"),
            ),
            DateInFuture => (s("不能晚于今天"), s("Cannot be after today")),
            InvalidSatisfactionLevel => (
                s("应为 非常满意、满意、基本满意、不满意 或 非常不满意"),
                s("Must be one of 非常满意, 满意, 基本满意, 不满意, 非常不满意 (very satisfied to very dissatisfied)"),
            ),
            HoursRange { max } => (
                format!("时长应大于 0、至多 {max} 小时").into(),
                format!("Hours must be more than 0 and at most {max}").into(),
            ),
            StartRequired => (
                s("设定结束时间前请先设定开始时间"),
                s("An end needs a start"),
            ),
            RegistrationWindow => (
                s("报名时间有误：报名截止须晚于报名开始，且都应在活动结束之前"),
                s("The registration window is not valid: it must close after it opens, and both before the activity ends"),
            ),
            CancelReasonRequired { max } => (
                format!("请说明取消的原因（最多 {max} 字）").into(),
                format!("Please give the reason for cancelling (at most {max} characters)").into(),
            ),
            PhoneCharacters => (
                s("电话号码只能包含数字、空格、“-”和“+”"),
                s("A phone number holds only digits, spaces, “-” and “+”"),
            ),
            ThresholdsNotIncreasing => (
                s("每一级所需时长应高于上一级"),
                s("Each level needs more hours than the one before"),
            ),
            InvalidTableRow {
                line,
                column,
                problem,
            } => {
                let (zh, en) = problem.texts();
                (
                    format!("第{line}行「{column}」：{zh}").into(),
                    format!("Row {line}, column 「{column}」: {en}").into(),
                )
            }
            TableTooLarge { max_kib } => (
                format!("表格不能超过 {max_kib} KiB").into(),
                format!("The table must not exceed {max_kib} KiB").into(),
            ),
            CurrentPasswordWrong => (
                s("当前密码不正确"),
                s("The current password is incorrect"),
            ),
            PhoneTaken => (
                s("该手机号已注册"),
                s("An account with this phone number exists"),
            ),
            DepartmentNameTaken => (s("同名科室已存在"), s("A department with this name exists")),
            CommunityNameTaken => (s("同名社区已存在"), s("A community with this name exists")),
            PhoneInUse => (
                s("这个手机号已用于另一个账号：可以用手机号和密码登录；不是你本人注册的，请联系管理员"),
                s("This phone number belongs to another account: sign in with it and its password; if you did not create that account, contact an administrator"),
            ),
            NoPassword => (
                s("这个账号没有密码（微信登录）：请先绑定手机号"),
                s("This account has no password (WeChat sign-in): bind a phone number first"),
            ),
            NoPhone => (
                s("这个账号没有手机号，设置密码也无法用它登录"),
                s("This account has no phone number, so a password could not be used to sign in"),
            ),
            RoleNotGrantable => (
                s("只能授予或撤销组织者（ORGANIZER）、观察员（VIEWER）和管理员（ADMIN）；志愿者身份由本人登记"),
                s("Only ORGANIZER, VIEWER and ADMIN can be granted or revoked; volunteers enroll themselves"),
            ),
            DepartmentOnlyForOrganizers => (
                s("只有组织者（ORGANIZER）属于科室"),
                s("Only organizers belong to a department"),
            ),
            OrganizerNeedsDepartment => (
                s("组织者需要一个所属科室"),
                s("An organizer needs a department"),
            ),
            LastAdmin => (
                s("这是最后一位管理员，不能撤销"),
                s("This is the last administrator and cannot be revoked"),
            ),
            AlreadyEnrolled => (
                s("您已经登记为志愿者"),
                s("You are already enrolled as a volunteer"),
            ),
            WechatCodeInvalid => (
                s("微信授权码无效或已使用，请重新授权"),
                s("The WeChat code is invalid or already used; please authorize again"),
            ),
            WechatCodeMissing => (s("缺少微信授权码"), s("The WeChat code is missing")),
            WechatPhoneNotMainland => (
                s("只支持中国大陆手机号（+86）"),
                s("Only mainland China mobile numbers (+86) are supported"),
            ),
            ActivityLocked => (
                s("已完成或已取消的活动不能修改"),
                s("A completed or cancelled activity cannot be changed"),
            ),
            ActivityNotStarted => (
                s("活动开始之后才能标记为已完成（未定日期的活动请先定下日期）"),
                s("An activity can be completed only after it starts (set the date of an undated one first)"),
            ),
            ActivityNoDate => (s("活动尚未确定日期"), s("The activity has no date yet")),
            ActivityNotPublished => (
                s("只有已发布的活动可以进行此操作"),
                s("Only published activities allow this"),
            ),
            InvalidStatusChange { from, to } => (
                format!("当前状态为 {from}，不能改为 {to}").into(),
                format!("Its status is {from} and cannot become {to}").into(),
            ),
            PairingNotOfLeadDepartment => (
                s("只能关联活动牵头科室的结对关系"),
                s("Only a pairing of one of the activity's lead departments may be linked"),
            ),
            QuarterNotOver => (
                s("季度结束之后才能报送季度报告"),
                s("A quarter's report can be submitted only after the quarter ends"),
            ),
            CareHoursReviewed => (
                s("您当天的关爱走访时长已审核，不能再计入；如需调整请申请更正"),
                s("Your care-visit hours of that day were already reviewed and take no more; ask for a correction instead"),
            ),
            CommitmentNotOfPairing => (
                s("只能勾选本活动所属结对关系的承诺事项"),
                s("Only commitments of the activity's own pairing can be ticked"),
            ),
            RegistrationClosed => (s("报名已截止"), s("Registration has closed")),
            RegistrationNotOpen => (s("报名尚未开始"), s("Registration has not opened yet")),
            RegistrationUnpublished => (
                s("活动尚未发布，暂不能报名"),
                s("Registration is only open for published activities"),
            ),
            AlreadyRegistered => (
                s("您已报名此活动"),
                s("You are already registered for this activity"),
            ),
            RegistrationAlreadyCancelled => (
                s("该报名已取消"),
                s("This registration is already cancelled"),
            ),
            RegistrationNotCancellable => (
                s("活动已结束或已取消，报名不能再取消"),
                s("The activity is over or cancelled; the registration can no longer be cancelled"),
            ),
            CheckInClosed => (
                s("签到时间为活动开始前 1 小时至结束后 2 小时"),
                s("Check-in is open from one hour before the start to two hours after the end"),
            ),
            CheckInCodeWrong => (
                s("签到码错误或已过期"),
                s("The check-in code is wrong or has expired"),
            ),
            NotRegistered => (
                s("只有报名成功的志愿者可以签到"),
                s("Only registered volunteers check in"),
            ),
            NotCheckedIn => (
                s("今天还没有签到：请先签到再签退"),
                s("You have not checked in today: check in before checking out"),
            ),
            AlreadyCheckedOut => (s("您已经签退"), s("You have already checked out")),
            HoursRecordedByOrganizer => (
                s("您的服务时长已由组织者登记"),
                s("Your hours were recorded by the organizer"),
            ),
            HoursNotEditable => (
                s("只有已发布或已完成的活动可以登记、审核或更正服务时长"),
                s("Hours are recorded, reviewed or corrected only for published or completed activities"),
            ),
            ServiceDateOutsideActivity { first, last } => (
                format!("服务日期应在活动日期 {first} 至 {last} 之内").into(),
                format!("The service date must be within the activity's dates, {first} to {last}").into(),
            ),
            ServiceRecordExists => (
                s("这位志愿者当天在该活动已有服务记录"),
                s("This volunteer already has a service record for this activity on this day"),
            ),
            AlreadyReviewed => (s("该记录已审核"), s("The record was already reviewed")),
            HoursNeeded { record } => (
                format!("记录 {record} 没有签退（或在当天结束时自动关闭）：请填写核定的时长再通过").into(),
                format!("Record {record} has no check-out (or was closed at the end of the day): give the approved hours to approve it").into(),
            ),
            CorrectionOfPendingRecord => (
                s("这条记录尚未审核：待审核时请联系组织者直接调整"),
                s("This record is not reviewed yet: ask the organizer to adjust it directly"),
            ),
            CorrectionPending => (
                s("这条记录已有一项待处理的更正申请"),
                s("This record already has an open correction request"),
            ),
            CorrectionAnswered => (
                s("这项更正申请已经处理过了"),
                s("This correction request was already answered"),
            ),
            SummaryBeforeCompletion => (
                s("活动完成之后才能提交总结"),
                s("A summary can be submitted only after the activity is completed"),
            ),
            SurveyNotOpen => (s("调查未开放"), s("The survey is not open")),
            SurveyDraft => (
                s("草稿调查不能导入工单，请先开放调查"),
                s("Cases cannot be imported into a draft survey; open it first"),
            ),
            SurveyNoSatisfactionQuestion => (
                s("该调查没有满意度题，不能导入工单"),
                s("The survey has no satisfaction question, so cases cannot be imported"),
            ),
            AlreadyAnswered => (s("您已经回答过这份调查"), s("You have already answered this survey")),
            QuestionNotInSurvey => (
                s("这道题不属于本调查"),
                s("The question is not part of this survey"),
            ),
            AnsweredTwice => (s("同一道题只能回答一次"), s("A question is answered at most once")),
            AnswerRequired { prompt } => (
                format!("“{prompt}”为必答题").into(),
                format!("“{prompt}” must be answered").into(),
            ),
            AnswerInvalid { prompt, problem } => {
                let (zh, en) = problem.texts();
                (
                    format!("“{prompt}”：{zh}").into(),
                    format!("“{prompt}”: {en}").into(),
                )
            }
            AnswerKind => (s("回答方式与题型不符"), s("The answer does not fit the kind of question")),
            ChooseOne => (s("请选择一项"), s("Choose exactly one option")),
            UnknownOption => (s("所选的选项不属于这道题"), s("An option chosen is not one of its options")),
            ResolutionOnlyWhenResolved => (
                s("只有标记为已整改时才填写整改结果"),
                s("A resolution is given only when the rectification is resolved"),
            ),
            VolunteerNotServed => (
                s("只能为参加过本科室活动的志愿者记录培训和表彰"),
                s("Only volunteers who served in your department's activities can get training and award records"),
            ),
            AnsweredOnInFuture => (s("回答日期不能晚于今天"), s("The answer date cannot be after today")),
            AnsweredOnNotToday => (
                s("自助渠道的回答日期只能是当天"),
                s("Self-service answers are dated today"),
            ),
            AnsweredOnOutsideSurvey => (
                s("回答日期不在调查的开放期内"),
                s("The answer date is outside the survey's open period"),
            ),
            RequestIdReused => (
                s("这个 requestId 已用于另一份调查"),
                s("This requestId was already used for another survey"),
            ),
            ImportBusy => (
                s("另一次导入正在写入相同的工单，请稍后重试（已导入的不会重复）"),
                s("Another import is writing the same cases; retry shortly (nothing is imported twice)"),
            ),
            OnlyChoiceHasOptions => (
                s("只有选择题可以有选项"),
                s("Only choice questions have options"),
            ),
            OverallNotSatisfaction => (
                s("只有满意度题可以作为整体满意度"),
                s("Only a satisfaction question can be the overall one"),
            ),
            OverallTwice => (
                s("只能有一道题作为整体满意度"),
                s("Only one question can be the overall one"),
            ),
            RectificationNotOpen => (
                s("只有待核实（OPEN）的整改可以核实"),
                s("Only an OPEN rectification can be verified"),
            ),
            RectificationNotRejected => (
                s("只有核实不属实的整改可以重新启动"),
                s("Only a rectification found not substantiated can be reopened"),
            ),
            RectificationNotResolved => (
                s("只有已整改（RESOLVED）的整改可以回访或评价"),
                s("Only a RESOLVED rectification can be followed up or rated"),
            ),
            RectificationFinished => (
                s("整改已结束，不能再申诉"),
                s("The rectification is finished and can no longer be appealed"),
            ),
            AlreadyFollowedUp => (
                s("你已经评价过这项整改"),
                s("You have already rated this rectification"),
            ),
            AlreadyAppealed => (
                s("这条评价已经申诉过了"),
                s("This answer was already appealed"),
            ),
            AppealReviewed => (
                s("这项申诉已经复核过了"),
                s("This appeal was already reviewed"),
            ),
            ProofNoHours => (
                s("所选期间没有可证明的已审核服务时长"),
                s("There are no approved hours to prove in that period"),
            ),
            ProofRevoked => (
                s("这份证明已经撤销"),
                s("This proof was already revoked"),
            ),
            PairingOverlaps => (
                s("该科室与这个社区已有同类型的有效结对"),
                s("This department already has an active pairing of this kind with this community"),
            ),
            RecordExists => (s("该记录已存在"), s("This record already exists")),
            HolidayNameRequired => (
                s("请写明节日名称，如“春节”或“春节调休上班”"),
                s("Name the holiday, such as “春节” or “春节调休上班”"),
            ),
            OutsideCalendar => (s("超出日历范围"), s("Outside the calendar")),
            RateLimited { retry_after_secs } => (
                format!("操作过于频繁，请 {retry_after_secs} 秒后再试").into(),
                format!("Too many attempts; try again in {retry_after_secs} seconds").into(),
            ),
            InvalidQuery { detail } => (
                format!("查询无效：{detail}").into(),
                format!("Invalid query: {detail}").into(),
            ),
            InvalidArgument { detail } => (
                format!("参数无效：{detail}").into(),
                format!("Invalid argument: {detail}").into(),
            ),
            QueryTooLarge { max_kib } => (
                format!("查询文档过长：最多 {max_kib} KB").into(),
                format!("The query document is too long: at most {max_kib} KB").into(),
            ),
            TooDeep { max } => (
                format!("嵌套过深：最多 {max} 层").into(),
                format!("Nested too deeply: at most {max} levels").into(),
            ),
            NotJson => (s("不是有效的 JSON"), s("Not valid JSON")),
            NotGraphqlRequest => (
                s("不是 GraphQL 请求：query 与 operationName 须为字符串，variables 与 extensions 须为对象"),
                s("Not a GraphQL request: query and operationName must be strings, variables and extensions objects"),
            ),
            BatchSize { max } => (
                format!("批量请求须包含 1 至 {max} 个操作").into(),
                format!("A batch holds 1 to {max} operations").into(),
            ),
            SignInInBatch => (
                s("登录、注册与刷新会话不能放在批量请求中"),
                s("Sign-in, sign-up and session refresh cannot be batched"),
            ),
            OneSignInPerRequest => (
                s("一次请求最多包含一个登录、注册或刷新会话操作"),
                s("A request holds at most one sign-in, sign-up or session refresh"),
            ),
            MutationOverGet => (s("变更操作须以 POST 发送"), s("Mutations must be sent with POST")),
            UnsupportedMediaType => (
                s("请以 Content-Type: application/json 发送请求"),
                s("Send the request with Content-Type: application/json"),
            ),
            NotAcceptable => (
                s("只提供 application/json 与 application/graphql-response+json"),
                s("Only application/json and application/graphql-response+json are served"),
            ),
            QueryMissing => (s("没有给出 query"), s("No query was given")),
            // Apollo's automatic persisted queries recognise exactly this message.
            PersistedQueryNotFound => (s("PersistedQueryNotFound"), s("PersistedQueryNotFound")),
            PersistedQueryMismatch => (
                s("persistedQuery.sha256Hash 与查询文档不符"),
                s("provided sha does not match query"),
            ),
            PersistedQueryHash => (
                s("persistedQuery.sha256Hash 不是 SHA-256 十六进制摘要"),
                s("persistedQuery.sha256Hash is not a SHA-256 hex digest"),
            ),
            ProofFontMissing => (
                s("服务器缺少证明所用的中文字体，暂时无法生成 PDF，请联系管理员"),
                s("The server lacks the Chinese font of proofs, so the PDF cannot be made now; please tell an administrator"),
            ),
            Internal => (s("服务器内部错误"), s("Internal server error")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn has_cjk(text: &str) -> bool {
        text.chars().any(|c| {
            ('\u{4e00}'..='\u{9fff}').contains(&c) || ('\u{3000}'..='\u{303f}').contains(&c)
        })
    }

    #[test]
    fn every_reason_has_a_chinese_and_an_english_message_and_its_own_key() {
        let mut keys = std::collections::HashSet::new();
        for reason in Reason::samples() {
            let (zh, en) = reason.texts();
            let key = reason.key();
            assert!(keys.insert(key), "{key} twice");
            assert!(
                key.chars().all(|c| c.is_ascii_uppercase() || c == '_'),
                "{key}"
            );
            if reason != Reason::PersistedQueryNotFound {
                assert!(has_cjk(&zh), "{key}: {zh}");
            }
            assert!(!en.trim().is_empty(), "{key}");
            assert!(!zh.trim().is_empty(), "{key}");
        }
    }

    #[test]
    fn parameters_appear_in_both_languages() {
        let reason = Reason::RateLimited {
            retry_after_secs: 42,
        };
        assert!(reason.message(Locale::ZhCn).contains("42"));
        assert!(reason.message(Locale::En).contains("42"));
        let reason = Reason::TooLong { max: 77 };
        assert!(reason.message(Locale::ZhCn).contains("77"));
        assert!(reason.message(Locale::En).contains("77"));
    }

    #[test]
    fn accept_language_picks_english_only_when_preferred_over_chinese() {
        let of = |h: &str| Locale::from_accept_language(Some(h));
        assert_eq!(of("en"), Locale::En);
        assert_eq!(of("en-US"), Locale::En);
        assert_eq!(of("en;q=0.9,zh;q=0.8"), Locale::En);
        assert_eq!(of("EN-gb, fr;q=0.5"), Locale::En);
        assert_eq!(of("zh-CN,en;q=0.5"), Locale::ZhCn);
        assert_eq!(of("zh-CN;q=0.9,en;q=0.9"), Locale::ZhCn);
        assert_eq!(of("fr"), Locale::ZhCn);
        assert_eq!(of("*"), Locale::ZhCn);
        assert_eq!(of("en;q=0"), Locale::ZhCn);
        assert_eq!(of(";;;=,,q=x"), Locale::ZhCn);
        assert_eq!(of("en;q=2"), Locale::En);
        assert_eq!(Locale::from_accept_language(None), Locale::ZhCn);
    }
}

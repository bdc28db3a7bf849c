// The settings the template tags put in place of these names (see django_convert/browser/__init__.py).
type IdentifyConfig = {
  cookie: {
    name: string;
    maxAge: number;
    path: string;
    domain: string | null;
    sameSite: string | null;
    secure: boolean | null;
  };
  // maxAge null: the consent mirror is a session cookie.
  consent: { required: boolean; cookie: string; maxAge: number | null; runExperiences: boolean };
};
type ListenerConfig = {
  url: string;
  header: string;
  /** The FORWARD destinations whose browser ids to read (mixpanel: the project token). */
  ids?: { ga4?: 1; segment?: 1; mixpanel?: string };
};
/** A consent platform adapter's settings: the platform's name for the consent that covers Convert. */
type ConsentAdapterConfig = { category: string };
declare const DJANGO_CONVERT_IDENTIFY: IdentifyConfig;
declare const DJANGO_CONVERT_LISTENER: ListenerConfig;
declare const DJANGO_CONVERT_CONSENT: ConsentAdapterConfig;
/** forward-ids.js: the FORWARD destinations whose browser ids to read (mixpanel: its project token). */
type ForwardConfig = { ga4?: 1; segment?: 1; mixpanel?: string };
declare const DJANGO_CONVERT_FORWARD: ForwardConfig;

// Shared by the scripts (they are scripts, not modules, so global names).
type ConvertWindow = import("@convertcom/tracking-types").ConvertWindow;
type VisitorData = import("@convertcom/tracking-types").VisitorData;

/** window.djangoConvert, as identify.js defines it (the listener and the adapters use it). */
type DjangoConvert = {
  visitorId(): string | null;
  collecting(): boolean;
  automated(): boolean;
  settle(): number;
  refresh(): string | null;
  restore(): void;
  consentGiven(): string | null;
  consentWithdrawn(): void;
  onId(hook: () => void): void;
  onWithdraw(hook: (id: string | null) => void): void;
  /** Defined by forward-ids.js when forwarding is configured. */
  destinationIds?: () => Record<string, string> | null;
};
/** A post waiting in localStorage until the server answers 2xx. */
type Pending = { visitorId: string; body: string };

// The settings the template tags put in place of these names (see django_convert/browser/__init__.py).
declare const DJANGO_CONVERT_IDENTIFY: {
  cookie: {
    name: string;
    maxAge: number;
    path: string;
    domain: string | null;
    sameSite: string | null;
    secure: boolean | null;
  };
  consent: { required: boolean; cookie: string; maxAge: number; runExperiences: boolean };
};
declare const DJANGO_CONVERT_LISTENER: { url: string; header: string };
// Shared by both scripts (they are scripts, not modules, so one global name).
type ConvertWindow = import("@convertcom/tracking-types").ConvertWindow;
